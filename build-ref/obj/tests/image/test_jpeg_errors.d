build-ref/obj/tests/image/test_jpeg_errors.o: \
 tests/image/test_jpeg_errors.c tests/image/test_jpeg_util.h \
 engine/image/decoders.h include/emoc.h
tests/image/test_jpeg_util.h:
engine/image/decoders.h:
include/emoc.h:
