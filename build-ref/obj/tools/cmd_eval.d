build-ref/obj/tools/cmd_eval.o: tools/cmd_eval.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
