build-ref/obj/tests/convert/enet_synth.o: tests/convert/enet_synth.c \
 tests/convert/enet_synth.h weights/emw.h include/emoc.h \
 weights/convert.h weights/onnx.h
tests/convert/enet_synth.h:
weights/emw.h:
include/emoc.h:
weights/convert.h:
weights/onnx.h:
