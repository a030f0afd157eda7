build-ref/obj/tests/image/test_inputs.o: tests/image/test_inputs.c \
 tests/image/image_fixture.h include/emoc.h engine/image/input_iter.h
tests/image/image_fixture.h:
include/emoc.h:
engine/image/input_iter.h:
