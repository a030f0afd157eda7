build-ref/obj/tools/cmd_preprocess.o: tools/cmd_preprocess.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
