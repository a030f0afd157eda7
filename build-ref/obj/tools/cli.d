build-ref/obj/tools/cli.o: tools/cli.c tools/cli.h include/emoc.h
tools/cli.h:
include/emoc.h:
