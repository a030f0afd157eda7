build-ref/obj/tests/nets/test_efficientnet.o: \
 tests/nets/test_efficientnet.c include/emoc.h tests/convert/enet_synth.h \
 weights/emw.h
include/emoc.h:
tests/convert/enet_synth.h:
weights/emw.h:
