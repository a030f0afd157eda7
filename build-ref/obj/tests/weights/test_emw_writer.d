build-ref/obj/tests/weights/test_emw_writer.o: \
 tests/weights/test_emw_writer.c tests/weights/emw_fixture.h \
 weights/emw.h include/emoc.h
tests/weights/emw_fixture.h:
weights/emw.h:
include/emoc.h:
