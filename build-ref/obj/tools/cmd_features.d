build-ref/obj/tools/cmd_features.o: tools/cmd_features.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
