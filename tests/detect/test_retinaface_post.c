/*
 * test_retinaface_post.c — RetinaFace post-processing pieces against numpy / torch values
 * (tests/fixtures/retinaface/, made by tools/reference/retinaface/gen_sort_fixture.py):
 * numpy's argsort order on arrays full of ties, the nearest-neighbour source index of
 * F.interpolate(mode="nearest"), the priors of prior_box.py, and the upsample_add / concat ops.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops/fpn.h"
#include "nets/retinaface.h"
#include "tests/fixture_file.h"

Test(retinaface_post, argsort_matches_numpy_tie_for_tie)
{
    size_t size;
    uint8_t *buf = fixture_read("tests/fixtures/retinaface/argsort.bin", &size);
    size_t pos = 0;
    int cases = 0;
    for (;;) {
        int32_t n;
        cr_assert(pos + 4 <= size);
        memcpy(&n, buf + pos, 4);
        pos += 4;
        if (n < 0) break;
        cr_assert(pos + 8 * (size_t)n <= size);
        float *v = malloc(4 * (size_t)n + 4);
        int32_t *want = malloc(4 * (size_t)n + 4);
        int *got = malloc(sizeof(int) * (size_t)n + 4);
        memcpy(v, buf + pos, 4 * (size_t)n);
        memcpy(want, buf + pos + 4 * (size_t)n, 4 * (size_t)n);
        pos += 8 * (size_t)n;
        rf_argsort_numpy(v, n, got);
        for (int i = 0; i < n; i++)
            cr_assert_eq(got[i], want[i], "case %d (n=%d): position %d has index %d, numpy %d",
                         cases, n, i, got[i], want[i]);
        free(v);
        free(want);
        free(got);
        cases++;
    }
    cr_assert_geq(cases, 30);
    free(buf);
}

Test(retinaface_post, nearest_index_matches_torch_interpolate)
{
    size_t size;
    char *txt = (char *)fixture_read("tests/fixtures/retinaface/nearest.txt", &size);
    char *save = NULL;
    int lines = 0;
    for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *p = line, *end;
        int in = (int)strtol(p, &end, 10), out = (int)strtol(end, &p, 10);
        for (int o = 0; o < out; o++) {
            int want = (int)strtol(p, &end, 10);
            cr_assert(end != p, "line %d short", lines);
            p = end;
            cr_assert_eq(emoc__nearest_index(o, in, out), want, "%d→%d at %d", in, out, o);
        }
        lines++;
    }
    cr_assert_geq(lines, 10);
    free(txt);
}

Test(retinaface_post, priors_as_prior_box_py)
{
    rf_config c = {.min_sizes = {{16, 32}, {64, 128}, {256, 512}}, .steps = {8, 16, 32}};
    int h = 37, w = 50; /* odd sizes: ceil(37/8)=5, ceil(50/8)=7; /16: 3,4; /32: 2,2 */
    size_t P = rf_prior_count(&c, h, w);
    cr_assert_eq(P, (size_t)(5 * 7 + 3 * 4 + 2 * 2) * 2);
    float *p = malloc(P * 4 * sizeof(float));
    rf_priors(&c, h, w, p);
    /* level 0, i = 1, j = 2, min size 32: cx = 2.5·8/50, cy = 1.5·8/37, 32/50, 32/37 */
    const float *q = p + 4 * ((1 * 7 + 2) * 2 + 1);
    cr_assert_eq(q[0], (float)(2.5 * 8 / 50));
    cr_assert_eq(q[1], (float)(1.5 * 8 / 37));
    cr_assert_eq(q[2], (float)(32.0 / 50));
    cr_assert_eq(q[3], (float)(32.0 / 37));
    /* last prior: level 2, i = 1, j = 1, min size 512 */
    q = p + 4 * (P - 1);
    cr_assert_eq(q[0], (float)(1.5 * 32 / 50));
    cr_assert_eq(q[3], (float)(512.0 / 37));
    free(p);
}

Test(retinaface_post, upsample_add_rows_odd_sizes)
{
    /* a: 5x3x2, b: 3x2x2 → out = a + b[nearest] */
    float a[5 * 3 * 2], b[3 * 2 * 2], out[5 * 3 * 2];
    for (int i = 0; i < 30; i++) a[i] = (float)i * 0.5f;
    for (int i = 0; i < 12; i++) b[i] = 100.0f * (float)(i + 1);
    emoc__upsample_add_rows(a, b, 5, 3, 2, 3, 2, out, 0, 5);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 3; x++)
            for (int c = 0; c < 2; c++) {
                int sy = (int)floorf((float)y * (3.0f / 5.0f)), sx = (int)floorf((float)x * (2.0f / 3.0f));
                float want = a[(y * 3 + x) * 2 + c] + b[(sy * 2 + sx) * 2 + c];
                cr_assert_eq(out[(y * 3 + x) * 2 + c], want, "y%d x%d c%d", y, x, c);
            }
}
