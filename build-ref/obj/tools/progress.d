build-ref/obj/tools/progress.o: tools/progress.c tools/progress.h \
 engine/image/input_iter.h include/emoc.h
tools/progress.h:
engine/image/input_iter.h:
include/emoc.h:
