build-ref/obj/tests/convert/test_sha256.o: tests/convert/test_sha256.c \
 weights/sha256.h
weights/sha256.h:
