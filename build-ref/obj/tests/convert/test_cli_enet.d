build-ref/obj/tests/convert/test_cli_enet.o: \
 tests/convert/test_cli_enet.c tests/convert/enet_synth.h weights/emw.h \
 include/emoc.h
tests/convert/enet_synth.h:
weights/emw.h:
include/emoc.h:
