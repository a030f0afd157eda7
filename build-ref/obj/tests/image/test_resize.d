build-ref/obj/tests/image/test_resize.o: tests/image/test_resize.c \
 tests/image/image_fixture.h include/emoc.h engine/image/decoders.h
tests/image/image_fixture.h:
include/emoc.h:
engine/image/decoders.h:
