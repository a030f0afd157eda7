build-ref/obj/tests/image/test_ppm_bmp_errors.o: \
 tests/image/test_ppm_bmp_errors.c tests/image/image_fixture.h \
 include/emoc.h
tests/image/image_fixture.h:
include/emoc.h:
