build-ref/obj/weights/onnx_read.o: weights/onnx_read.c weights/onnx.h \
 include/emoc.h
weights/onnx.h:
include/emoc.h:
