build-ref/obj/engine/core/cpu.o: engine/core/cpu.c include/emoc.h
include/emoc.h:
