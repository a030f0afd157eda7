build-ref/obj/post/head_io.o: post/head_io.c weights/emw.h include/emoc.h
weights/emw.h:
include/emoc.h:
