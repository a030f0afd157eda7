build-ref/obj/tools/cmd_mtl.o: tools/cmd_mtl.c tools/abaw_cli.h \
 tools/abaw_io.h include/emoc.h tools/features_io.h tools/abaw_pipeline.h \
 tools/cli.h
tools/abaw_cli.h:
tools/abaw_io.h:
include/emoc.h:
tools/features_io.h:
tools/abaw_pipeline.h:
tools/cli.h:
