build-ref/obj/tests/post/refdata.o: tests/post/refdata.c \
 tests/post/refdata.h
tests/post/refdata.h:
