build-ref/obj/post/labels.o: post/labels.c include/emoc.h
include/emoc.h:
