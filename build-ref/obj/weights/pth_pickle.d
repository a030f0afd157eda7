build-ref/obj/weights/pth_pickle.o: weights/pth_pickle.c weights/pth.h \
 include/emoc.h
weights/pth.h:
include/emoc.h:
