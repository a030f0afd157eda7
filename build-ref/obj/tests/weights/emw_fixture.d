build-ref/obj/tests/weights/emw_fixture.o: tests/weights/emw_fixture.c \
 tests/weights/emw_fixture.h weights/emw.h include/emoc.h
tests/weights/emw_fixture.h:
weights/emw.h:
include/emoc.h:
