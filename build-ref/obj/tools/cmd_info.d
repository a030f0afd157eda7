build-ref/obj/tools/cmd_info.o: tools/cmd_info.c tools/cli.h \
 include/emoc.h weights/emw.h weights/sha256.h
tools/cli.h:
include/emoc.h:
weights/emw.h:
weights/sha256.h:
