build-ref/obj/tools/cmd_convert.o: tools/cmd_convert.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
