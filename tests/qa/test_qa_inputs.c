/* test_qa_inputs.c — directory walks that meet empty directories. An empty directory (a video
 * folder with no frames yet, or a stray folder named like a frame) reached qsort(NULL, 0, ...),
 * undefined behaviour that UBSan aborts on; it must simply contribute no inputs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/input/input_list.h"

Test(qa_inputs, empty_directories_contribute_nothing)
{
    char dir[64], p[160];
    snprintf(dir, sizeof dir, "/tmp/emoc_qa_walk_XXXXXX");
    cr_assert(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/VID1", dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/VID1/00002.png", dir); /* a folder named like a frame, empty */
    cr_assert_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/VID1/00001.png", dir);
    FILE *f = fopen(p, "wb");
    cr_assert(f);
    fputs("x", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/EMPTY", dir);
    cr_assert_eq(mkdir(p, 0700), 0);

    emoc__input_list l;
    memset(&l, 0, sizeof l);
    emoc_error err;
    const char *paths[] = {dir};
    cr_assert_eq(emoc__input_list_paths(&l, paths, 1, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(l.n, 1, "one image file, got %zu entries", l.n);
    cr_assert(strstr(l.items[0].path, "VID1/00001.png"), "%s", l.items[0].path);
    cr_assert_eq(l.items[0].frame, 1);
    emoc__input_list_free(&l);

    /* the walk root itself empty */
    memset(&l, 0, sizeof l);
    snprintf(p, sizeof p, "%s/EMPTY", dir);
    const char *empty[] = {p};
    cr_assert_eq(emoc__input_list_paths(&l, empty, 1, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(l.n, 0);
    emoc__input_list_free(&l);

    snprintf(p, sizeof p, "rm -rf '%s'", dir);
    cr_assert_eq(system(p), 0);
}
