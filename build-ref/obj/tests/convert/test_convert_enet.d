build-ref/obj/tests/convert/test_convert_enet.o: \
 tests/convert/test_convert_enet.c tests/convert/enet_synth.h \
 weights/emw.h include/emoc.h weights/convert.h weights/onnx.h
tests/convert/enet_synth.h:
weights/emw.h:
include/emoc.h:
weights/convert.h:
weights/onnx.h:
