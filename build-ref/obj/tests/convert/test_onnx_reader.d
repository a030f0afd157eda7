build-ref/obj/tests/convert/test_onnx_reader.o: \
 tests/convert/test_onnx_reader.c weights/convert.h include/emoc.h \
 weights/emw.h weights/onnx.h
weights/convert.h:
include/emoc.h:
weights/emw.h:
weights/onnx.h:
