build-ref/obj/tools/cmd_features.o: tools/cmd_features.c tools/abaw_io.h \
 include/emoc.h tools/cli.h tools/features_io.h tools/inputs.h \
 engine/image/input_iter.h tools/progress.h
tools/abaw_io.h:
include/emoc.h:
tools/cli.h:
tools/features_io.h:
tools/inputs.h:
engine/image/input_iter.h:
tools/progress.h:
