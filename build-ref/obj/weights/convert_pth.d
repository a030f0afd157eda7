build-ref/obj/weights/convert_pth.o: weights/convert_pth.c \
 weights/convert.h include/emoc.h weights/emw.h weights/onnx.h \
 weights/pth.h weights/sha256.h
weights/convert.h:
include/emoc.h:
weights/emw.h:
weights/onnx.h:
weights/pth.h:
weights/sha256.h:
