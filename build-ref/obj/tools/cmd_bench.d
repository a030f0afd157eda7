build-ref/obj/tools/cmd_bench.o: tools/cmd_bench.c tools/cli.h \
 include/emoc.h
tools/cli.h:
include/emoc.h:
