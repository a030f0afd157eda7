build-ref/obj/tests/post/test_post_reference.o: \
 tests/post/test_post_reference.c include/emoc.h tests/post/refdata.h
include/emoc.h:
tests/post/refdata.h:
