build-ref/obj/tools/cmd_ce.o: tools/cmd_ce.c tools/cli.h include/emoc.h
tools/cli.h:
include/emoc.h:
