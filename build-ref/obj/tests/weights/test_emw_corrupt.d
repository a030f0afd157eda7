build-ref/obj/tests/weights/test_emw_corrupt.o: \
 tests/weights/test_emw_corrupt.c tests/weights/emw_fixture.h \
 weights/emw.h include/emoc.h
tests/weights/emw_fixture.h:
weights/emw.h:
include/emoc.h:
