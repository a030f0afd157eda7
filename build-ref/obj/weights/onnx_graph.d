build-ref/obj/weights/onnx_graph.o: weights/onnx_graph.c weights/onnx.h \
 include/emoc.h
weights/onnx.h:
include/emoc.h:
