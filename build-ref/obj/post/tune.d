build-ref/obj/post/tune.o: post/tune.c include/emoc.h
include/emoc.h:
