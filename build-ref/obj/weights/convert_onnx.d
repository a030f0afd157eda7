build-ref/obj/weights/convert_onnx.o: weights/convert_onnx.c \
 weights/convert.h include/emoc.h weights/emw.h weights/onnx.h \
 weights/sha256.h
weights/convert.h:
include/emoc.h:
weights/emw.h:
weights/onnx.h:
weights/sha256.h:
