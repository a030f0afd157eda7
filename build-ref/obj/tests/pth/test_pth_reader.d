build-ref/obj/tests/pth/test_pth_reader.o: tests/pth/test_pth_reader.c \
 weights/pth.h include/emoc.h
weights/pth.h:
include/emoc.h:
