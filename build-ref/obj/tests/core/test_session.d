build-ref/obj/tests/core/test_session.o: tests/core/test_session.c \
 include/emoc.h tests/core/tinynet_fixture.h
include/emoc.h:
tests/core/tinynet_fixture.h:
