build-ref/obj/tools/emoc.o: tools/emoc.c tools/cli.h include/emoc.h
tools/cli.h:
include/emoc.h:
