build-ref/obj/post/compound.o: post/compound.c include/emoc.h
include/emoc.h:
