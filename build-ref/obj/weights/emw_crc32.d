build-ref/obj/weights/emw_crc32.o: weights/emw_crc32.c weights/emw.h \
 include/emoc.h
weights/emw.h:
include/emoc.h:
