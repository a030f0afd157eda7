build-ref/obj/weights/emw_netmeta.o: weights/emw_netmeta.c weights/emw.h \
 include/emoc.h
weights/emw.h:
include/emoc.h:
