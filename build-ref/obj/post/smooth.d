build-ref/obj/post/smooth.o: post/smooth.c include/emoc.h
include/emoc.h:
