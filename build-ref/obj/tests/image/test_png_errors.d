build-ref/obj/tests/image/test_png_errors.o: \
 tests/image/test_png_errors.c tests/image/image_fixture.h include/emoc.h
tests/image/image_fixture.h:
include/emoc.h:
