build-ref/obj/tests/image/test_inflate.o: tests/image/test_inflate.c \
 tests/image/image_fixture.h include/emoc.h engine/image/decoders.h
tests/image/image_fixture.h:
include/emoc.h:
engine/image/decoders.h:
