build-ref/obj/tools/cmd_convert.o: tools/cmd_convert.c tools/cli.h \
 include/emoc.h weights/convert.h weights/emw.h weights/onnx.h
tools/cli.h:
include/emoc.h:
weights/convert.h:
weights/emw.h:
weights/onnx.h:
