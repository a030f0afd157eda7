build-ref/obj/tools/abaw_cli.o: tools/abaw_cli.c tools/abaw_cli.h \
 tools/abaw_io.h include/emoc.h tools/features_io.h tools/cli.h
tools/abaw_cli.h:
tools/abaw_io.h:
include/emoc.h:
tools/features_io.h:
tools/cli.h:
