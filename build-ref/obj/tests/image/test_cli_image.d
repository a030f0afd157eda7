build-ref/obj/tests/image/test_cli_image.o: tests/image/test_cli_image.c \
 tests/image/image_fixture.h include/emoc.h tests/core/tinynet_fixture.h
tests/image/image_fixture.h:
include/emoc.h:
tests/core/tinynet_fixture.h:
