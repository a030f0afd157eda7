build-ref/obj/post/head.o: post/head.c include/emoc.h
include/emoc.h:
