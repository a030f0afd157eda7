build-ref/obj/tools/cmd_tune.o: tools/cmd_tune.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
