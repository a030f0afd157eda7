build-ref/obj/tools/abaw_io.o: tools/abaw_io.c tools/abaw_io.h \
 include/emoc.h tools/cli.h
tools/abaw_io.h:
include/emoc.h:
tools/cli.h:
