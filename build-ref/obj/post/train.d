build-ref/obj/post/train.o: post/train.c post/train_internal.h \
 include/emoc.h
post/train_internal.h:
include/emoc.h:
