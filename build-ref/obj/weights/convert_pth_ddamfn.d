build-ref/obj/weights/convert_pth_ddamfn.o: weights/convert_pth_ddamfn.c \
 weights/convert.h include/emoc.h weights/emw.h weights/onnx.h \
 weights/pth.h
weights/convert.h:
include/emoc.h:
weights/emw.h:
weights/onnx.h:
weights/pth.h:
