build-ref/obj/tests/post/test_post_train.o: tests/post/test_post_train.c \
 include/emoc.h post/train_internal.h tests/post/refdata.h
include/emoc.h:
post/train_internal.h:
tests/post/refdata.h:
