build-ref/obj/tools/cmd_decode.o: tools/cmd_decode.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
