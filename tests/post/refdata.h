/* refdata.h — loads tests/post/data/reference.txt (written by tools/reference/post/gen_expected.py):
 * one array per line, `name count v0 v1 ...`. */
#ifndef EMOC_TESTS_POST_REFDATA_H
#define EMOC_TESTS_POST_REFDATA_H
#include <stddef.h>

typedef struct refdata refdata;

/* Loads $EMOC_ROOT/tests/post/data/<file> (or ./tests/...); aborts the test on failure. */
refdata *refdata_load(const char *file);
void refdata_free(refdata *r);
/* Array by name; count in *n. Fails the test if absent. */
const double *refdata_get(const refdata *r, const char *name, size_t *n);
/* Same converted to int (caller frees). */
int *refdata_get_int(const refdata *r, const char *name, size_t *n);

#endif
