build-ref/obj/tools/cmd_info.o: tools/cmd_info.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
