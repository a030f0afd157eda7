build-ref/obj/weights/emw_f16.o: weights/emw_f16.c weights/emw.h \
 include/emoc.h
weights/emw.h:
include/emoc.h:
