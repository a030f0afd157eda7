build-ref/obj/engine/core/status.o: engine/core/status.c include/emoc.h
include/emoc.h:
