build-ref/obj/tools/cmd_train_head.o: tools/cmd_train_head.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
