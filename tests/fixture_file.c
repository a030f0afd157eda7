/* fixture_file.c — see fixture_file.h. */
#include "tests/fixture_file.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

uint8_t *fixture_read(const char *relpath, size_t *size)
{
    const char *root = getenv("EMOC_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root ? root : ".", relpath);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open fixture %s (EMOC_ROOT set?)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert_geq(n, 0, "cannot size %s", path);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n, "short read of %s", path);
    fclose(f);
    *size = (size_t)n;
    return buf;
}
