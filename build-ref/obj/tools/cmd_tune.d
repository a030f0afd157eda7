build-ref/obj/tools/cmd_tune.o: tools/cmd_tune.c tools/abaw_cli.h \
 tools/abaw_io.h include/emoc.h tools/features_io.h tools/cli.h
tools/abaw_cli.h:
tools/abaw_io.h:
include/emoc.h:
tools/features_io.h:
tools/cli.h:
