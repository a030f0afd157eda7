build-ref/obj/tools/features_io.o: tools/features_io.c \
 tools/features_io.h tools/abaw_io.h include/emoc.h tools/cli.h
tools/features_io.h:
tools/abaw_io.h:
include/emoc.h:
tools/cli.h:
