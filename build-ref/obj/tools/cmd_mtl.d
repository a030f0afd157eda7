build-ref/obj/tools/cmd_mtl.o: tools/cmd_mtl.c tools/cli.h include/emoc.h
tools/cli.h:
include/emoc.h:
