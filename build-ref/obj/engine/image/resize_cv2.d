build-ref/obj/engine/image/resize_cv2.o: engine/image/resize_cv2.c \
 engine/image/resize.h engine/image/decoders.h include/emoc.h
engine/image/resize.h:
engine/image/decoders.h:
include/emoc.h:
