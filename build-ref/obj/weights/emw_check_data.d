build-ref/obj/weights/emw_check_data.o: weights/emw_check_data.c \
 weights/emw_read_internal.h weights/emw.h include/emoc.h \
 weights/emw_util.h
weights/emw_read_internal.h:
weights/emw.h:
include/emoc.h:
weights/emw_util.h:
