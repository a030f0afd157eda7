build-ref/obj/post/metrics.o: post/metrics.c include/emoc.h
include/emoc.h:
