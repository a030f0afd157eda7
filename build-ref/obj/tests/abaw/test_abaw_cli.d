build-ref/obj/tests/abaw/test_abaw_cli.o: tests/abaw/test_abaw_cli.c \
 include/emoc.h tests/core/tinynet_fixture.h
include/emoc.h:
tests/core/tinynet_fixture.h:
