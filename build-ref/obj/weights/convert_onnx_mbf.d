build-ref/obj/weights/convert_onnx_mbf.o: weights/convert_onnx_mbf.c \
 weights/convert.h include/emoc.h weights/emw.h weights/onnx.h \
 weights/pth.h
weights/convert.h:
include/emoc.h:
weights/emw.h:
weights/onnx.h:
weights/pth.h:
