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

/* The op's path through each ISA's eltwise kernel gives the reference's bits: odd and exact-2×
 * sizes, channels around the vector widths, runs that split a row (C = 1500: 2 pixels a run) and
 * more channels than the stack row (C = 4100: the reference itself). */
static void upsample_add_kt_case(const emoc_kernel_table *t, int H, int W, int C, int h, int w)
{
    const size_t na = (size_t)H * W * C, nb = (size_t)h * w * C;
    float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float));
    float *want = malloc(na * sizeof(float)), *got = malloc(na * sizeof(float));
    cr_assert(a && b && want && got);
    for (size_t i = 0; i < na; i++) a[i] = (float)((i * 2654435761u) % 1000) * 0.37f - 150.0f;
    for (size_t i = 0; i < nb; i++) b[i] = (float)((i * 40503u) % 997) * 1e-3f - 0.4f;
    emoc__upsample_add_rows(a, b, H, W, C, h, w, want, 0, H);
    memset(got, 0xff, na * sizeof(float));
    emoc__upsample_add_rows_kt(t, a, b, H, W, C, h, w, got, 0, H / 2);
    emoc__upsample_add_rows_kt(t, a, b, H, W, C, h, w, got, H / 2, H);
    cr_assert(memcmp(got, want, na * sizeof(float)) == 0, "isa %s: %dx%dx%d from %dx%d differs",
              emoc_isa_name(t->isa), H, W, C, h, w);
    free(a); free(b); free(want); free(got);
}

Test(retinaface_post, upsample_add_rows_kt_bitwise_at_every_isa)
{
    static const int shapes[][5] = {{60, 80, 64, 30, 40}, {5, 3, 2, 3, 2}, {9, 7, 17, 5, 4},
                                    {8, 8, 15, 4, 4},     {3, 5, 16, 2, 3}, {7, 9, 33, 7, 9},
                                    {4, 5, 1500, 2, 3},   {2, 3, 4100, 1, 2}};
    const emoc_isa isas[] = {EMOC_ISA_REF, EMOC_ISA_AVX2, EMOC_ISA_AVX512, EMOC_ISA_NEON};
    int ran = 0;
    for (int k = 0; k < 4; k++) {
        emoc_kernel_table t;
        emoc_isa got;
        if (emoc_isa_resolve(isas[k], &got) != EMOC_OK || got != isas[k]) continue;
        emoc__kernel_table_init(&t, isas[k]);
        for (int i = 0; i < 8; i++)
            upsample_add_kt_case(&t, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4]);
        ran++;
    }
    cr_assert(ran >= 1);
}
