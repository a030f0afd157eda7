build-ref/obj/tests/post/test_post_units.o: tests/post/test_post_units.c \
 include/emoc.h
include/emoc.h:
