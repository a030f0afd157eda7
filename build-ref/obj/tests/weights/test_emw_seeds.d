build-ref/obj/tests/weights/test_emw_seeds.o: \
 tests/weights/test_emw_seeds.c weights/emw.h include/emoc.h
weights/emw.h:
include/emoc.h:
