build-ref/obj/tests/image/test_jpeg.o: tests/image/test_jpeg.c \
 tests/image/test_jpeg_util.h engine/image/decoders.h include/emoc.h
tests/image/test_jpeg_util.h:
engine/image/decoders.h:
include/emoc.h:
