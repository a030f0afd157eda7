build-ref/obj/tests/core/tinynet_fixture.o: tests/core/tinynet_fixture.c \
 tests/core/tinynet_fixture.h weights/emw.h include/emoc.h
tests/core/tinynet_fixture.h:
weights/emw.h:
include/emoc.h:
