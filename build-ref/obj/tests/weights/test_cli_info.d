build-ref/obj/tests/weights/test_cli_info.o: \
 tests/weights/test_cli_info.c tests/core/tinynet_fixture.h \
 tests/weights/emw_fixture.h weights/emw.h include/emoc.h \
 weights/sha256.h
tests/core/tinynet_fixture.h:
tests/weights/emw_fixture.h:
weights/emw.h:
include/emoc.h:
weights/sha256.h:
