build-ref/obj/tools/cmd_train_head.o: tools/cmd_train_head.c \
 tools/abaw_cli.h tools/abaw_io.h include/emoc.h tools/features_io.h \
 tools/cli.h
tools/abaw_cli.h:
tools/abaw_io.h:
include/emoc.h:
tools/features_io.h:
tools/cli.h:
