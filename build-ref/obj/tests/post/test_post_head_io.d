build-ref/obj/tests/post/test_post_head_io.o: \
 tests/post/test_post_head_io.c include/emoc.h weights/emw.h
include/emoc.h:
weights/emw.h:
