build-ref/obj/weights/convert_onnx_enet.o: weights/convert_onnx_enet.c \
 weights/convert.h include/emoc.h weights/emw.h weights/onnx.h
weights/convert.h:
include/emoc.h:
weights/emw.h:
weights/onnx.h:
