build-ref/obj/tests/core/test_status.o: tests/core/test_status.c \
 include/emoc.h
include/emoc.h:
