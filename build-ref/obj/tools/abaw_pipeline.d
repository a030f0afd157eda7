build-ref/obj/tools/abaw_pipeline.o: tools/abaw_pipeline.c \
 tools/abaw_pipeline.h tools/abaw_io.h include/emoc.h tools/abaw_cli.h \
 tools/features_io.h
tools/abaw_pipeline.h:
tools/abaw_io.h:
include/emoc.h:
tools/abaw_cli.h:
tools/features_io.h:
