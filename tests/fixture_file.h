/* fixture_file.h — reads a committed test fixture (path relative to the repository root, taken
 * from EMOC_ROOT as `make test` sets it). Fails the current Criterion test if it cannot. */
#ifndef EMOC_TESTS_FIXTURE_FILE_H
#define EMOC_TESTS_FIXTURE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'ed copy of exactly the file's bytes (plus one spare byte); free() it. */
uint8_t *fixture_read(const char *relpath, size_t *size);

#endif
