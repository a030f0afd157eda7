build-ref/obj/tests/abaw/test_abaw_e2e.o: tests/abaw/test_abaw_e2e.c
