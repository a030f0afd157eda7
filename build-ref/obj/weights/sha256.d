build-ref/obj/weights/sha256.o: weights/sha256.c weights/sha256.h
weights/sha256.h:
