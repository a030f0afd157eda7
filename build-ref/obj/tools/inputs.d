build-ref/obj/tools/inputs.o: tools/inputs.c tools/inputs.h \
 engine/image/input_iter.h include/emoc.h tools/cli.h
tools/inputs.h:
engine/image/input_iter.h:
include/emoc.h:
tools/cli.h:
