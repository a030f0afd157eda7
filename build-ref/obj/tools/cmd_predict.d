build-ref/obj/tools/cmd_predict.o: tools/cmd_predict.c tools/cli.h \
 include/emoc.h tools/inputs.h engine/image/input_iter.h tools/progress.h
tools/cli.h:
include/emoc.h:
tools/inputs.h:
engine/image/input_iter.h:
tools/progress.h:
