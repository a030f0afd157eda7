build-ref/obj/weights/pth_zip.o: weights/pth_zip.c weights/pth.h \
 include/emoc.h weights/emw.h
weights/pth.h:
include/emoc.h:
weights/emw.h:
