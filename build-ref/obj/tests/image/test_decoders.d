build-ref/obj/tests/image/test_decoders.o: tests/image/test_decoders.c \
 tests/image/image_fixture.h include/emoc.h
tests/image/image_fixture.h:
include/emoc.h:
