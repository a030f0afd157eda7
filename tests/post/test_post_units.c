/* test_post_units.c — class maps, presets, decisions, blending, face pooling, tuning searches
 * and the MTL head forward pass on hand-computed values. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emoc_abaw.h"

Test(post_labels, affectnet_to_abaw_maps)
{
    double an8[8] = {0.10, 0.05, 0.02, 0.03, 0.40, 0.20, 0.15, 0.05}, ab[8], back[8];
    cr_assert_eq(emoc_class_map_probs(EMOC_MAP_AFFECTNET8_TO_ABAW, an8, ab), EMOC_OK);
    double want[8] = {0.20, 0.10, 0.02, 0.03, 0.40, 0.15, 0.05, 0.05};
    for (int i = 0; i < 8; i++) cr_assert_eq(ab[i], want[i], "abaw[%d]", i);
    cr_assert_eq(emoc_class_map_probs(EMOC_MAP_ABAW_TO_AFFECTNET8, ab, back), EMOC_OK);
    cr_assert_eq(memcmp(back, an8, sizeof an8), 0, "round trip");
    cr_assert_eq(emoc_class_map_probs(EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT, an8, ab), EMOC_OK);
    cr_assert_eq(ab[7], 0.0);
    cr_assert(fabs(ab[0] - 0.20 / 0.95) < 1e-15 && fabs(ab[4] - 0.40 / 0.95) < 1e-15);
    double an7[7] = {0.1, 0.2, 0.3, 0.05, 0.15, 0.1, 0.1};
    cr_assert_eq(emoc_class_map_probs(EMOC_MAP_AFFECTNET7_TO_ABAW, an7, ab), EMOC_OK);
    cr_assert(ab[0] == 0.15 && ab[1] == 0.1 && ab[2] == 0.2 && ab[3] == 0.3 && ab[4] == 0.05 &&
              ab[5] == 0.1 && ab[6] == 0.1 && ab[7] == 0.0);
    cr_assert_eq(emoc_class_map_label(EMOC_MAP_AFFECTNET8_TO_ABAW, 1), 7, "Contempt→Other");
    cr_assert_eq(emoc_class_map_label(EMOC_MAP_AFFECTNET8_TO_ABAW, 5), 0, "Neutral");
    cr_assert_eq(emoc_class_map_label(EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT, 1), -1);
    cr_assert_eq(emoc_class_map_label(EMOC_MAP_AFFECTNET7_TO_ABAW, 4), 0);
    cr_assert_eq(emoc_class_map_label(EMOC_MAP_ABAW_TO_AFFECTNET8, 7), 1);
    cr_assert_eq(emoc_class_map_probs(EMOC_MAP_AFFECTNET8_TO_ABAW, an8, (double *)an8), EMOC_E_ARG);
    int gt[4] = {7, 0, 7, -1};
    emoc_labels_drop_other(gt, 4);
    cr_assert(gt[0] == -1 && gt[1] == 0 && gt[2] == -1 && gt[3] == -1);
    cr_assert_str_eq(emoc_abaw_expr_name(7), "Other");
    cr_assert_str_eq(emoc_affectnet8_name(1), "Contempt");
    cr_assert_str_eq(emoc_au_name(11), "AU26");
    cr_assert_str_eq(emoc_ce_name(6), "Sadly_Angry");
    cr_assert_null(emoc_ce_name(7));
}

Test(post_labels, presets_decisions_blend)
{
    const double *t = emoc_au_threshold_preset("abaw7_ddamfn");
    cr_assert_not_null(t);
    cr_assert(t[0] == 0.6 && t[10] == 0.1 && t[11] == 0.6);
    cr_assert_eq(emoc_au_threshold_preset("abaw6_vgaf_mlp")[0], 0.8);
    cr_assert_null(emoc_au_threshold_preset("nope"));
    int k = 0;
    while (emoc_au_threshold_preset_name(k)) k++;
    cr_assert_eq(k, 6);
    double s[12] = {0.6, 0.69, 0.6, 0.39, 0.4, 0.5, 0.49, 0.7, 0.8, 0.81, 0.1, 0.0};
    int d[12];
    emoc_au_decide(s, t, d);
    int want[12] = {1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0};
    cr_assert_eq(memcmp(d, want, sizeof d), 0, "score ≥ threshold");
    double v[3] = {1, 5, 5};
    cr_assert_eq(emoc_argmax(v, 3), 1, "first max on ties");
    double a[2] = {1, 2}, b[2] = {3, 6}, o[2];
    emoc_blend(a, b, 2, 0.8, o);
    cr_assert(fabs(o[0] - 1.4) < 1e-15 && fabs(o[1] - 2.8) < 1e-15);
}

Test(post_ce, face_pooling)
{
    double f[3 * 7], o[7], area[3] = {10, 50, 20};
    for (int i = 0; i < 21; i++) f[i] = (double)((i * 7) % 11) / 10.0;
    cr_assert_eq(emoc_ce_pool_faces(f, area, 3, EMOC_CE_FACES_MAX, o), EMOC_OK);
    for (int c = 0; c < 7; c++) cr_assert_eq(o[c], fmax(f[c], fmax(f[7 + c], f[14 + c])));
    cr_assert_eq(emoc_ce_pool_faces(f, area, 3, EMOC_CE_FACES_LARGEST, o), EMOC_OK);
    for (int c = 0; c < 7; c++) cr_assert_eq(o[c], f[7 + c]);
    cr_assert_eq(emoc_ce_pool_faces(f, NULL, 3, EMOC_CE_FACES_MEAN, o), EMOC_OK);
    for (int c = 0; c < 7; c++) cr_assert(fabs(o[c] - (f[c] + f[7 + c] + f[14 + c]) / 3) < 1e-15);
    cr_assert_eq(emoc_ce_pool_faces(f, NULL, 3, EMOC_CE_FACES_LARGEST, o), EMOC_E_ARG);
    cr_assert_eq(emoc_ce_pool_faces(f, area, 0, EMOC_CE_FACES_MAX, o), EMOC_E_ARG);
}

Test(post_smooth, bad_options_and_none)
{
    int fr[3] = {1, 2, 3}, bad[3] = {1, 3, 2}, vid[3] = {0, 0, 0};
    double in[3] = {1, 2, 9}, out[3];
    emoc_smooth_opts o = {EMOC_SMOOTH_GAUSS_CODE, 0.0, 2};
    cr_assert_eq(emoc_smooth_video(&o, fr, in, 3, 1, out), EMOC_E_ARG, "sigma 0");
    o.sigma = 1.0;
    o.delta = -1;
    cr_assert_eq(emoc_smooth_video(&o, fr, in, 3, 1, out), EMOC_E_ARG, "negative delta");
    o.delta = 1;
    cr_assert_eq(emoc_smooth_video(&o, bad, in, 3, 1, out), EMOC_E_ARG, "unsorted frames");
    o.kind = EMOC_SMOOTH_ABAW7_NOTEBOOK;
    cr_assert_eq(emoc_smooth_video(&o, fr, in, 3, 1, out), EMOC_E_ARG, "notebook needs a list");
    cr_assert_eq(emoc_smooth_list(&o, vid, fr, in, 3, 1, out), EMOC_OK);
    emoc_smooth_settings s;
    emoc_smooth_settings_default(&s);
    cr_assert_eq(s.au.kind, EMOC_SMOOTH_NONE, "AUs unsmoothed by default");
    cr_assert_eq(emoc_smooth_video(&s.va, fr, in, 3, 1, out), EMOC_OK);
    cr_assert(out[0] == 1 && out[1] == 2 && out[2] == 9);
    /* notebook off-by-one: with δ = 2, item 2 of the first video sees items 2,3,4 and item 1
     * (start 0 excluded), box-like with σ huge */
    int fr5[5] = {1, 2, 3, 4, 5}, v5[5] = {0, 0, 0, 0, 0};
    double x5[5] = {100, 0, 0, 0, 0}, o5[5];
    emoc_smooth_opts nb = {EMOC_SMOOTH_ABAW7_NOTEBOOK, 1e12, 2};
    cr_assert_eq(emoc_smooth_list(&nb, v5, fr5, x5, 5, 1, o5), EMOC_OK);
    cr_assert(fabs(o5[2]) < 1e-9, "item 0 excluded from item 2's window");
    cr_assert(fabs(o5[1]) < 1e-9, "item 1: start = 0 excluded, window 1,2,3");
    cr_assert(fabs(o5[0] - 100.0 / 3) < 1e-9, "item 0: window 0,1,2");
}

Test(post_tune, blend_and_smooth_searches)
{
    /* two noisy VA predictors with independent noise: the mean beats either */
    enum { N = 400 };
    double *a = malloc(N * 2 * sizeof(double)), *b = malloc(N * 2 * sizeof(double));
    double *t = malloc(N * 2 * sizeof(double));
    int *vid = malloc(N * sizeof(int)), *fr = malloc(N * sizeof(int));
    unsigned s = 12345;
    for (int i = 0; i < N; i++) {
        vid[i] = i / 100;
        fr[i] = i % 100 + 1;
        for (int k = 0; k < 2; k++) {
            double truth = 0.6 * sin(0.05 * i + k);
            s = s * 1103515245u + 12345u;
            double n1 = ((s >> 8) & 0xffff) / 65535.0 - 0.5;
            s = s * 1103515245u + 12345u;
            double n2 = ((s >> 8) & 0xffff) / 65535.0 - 0.5;
            t[2 * i + k] = truth;
            a[2 * i + k] = truth + n1;
            b[2 * i + k] = truth + n2;
        }
    }
    emoc_mtl_labels lab = {N, t, NULL, NULL};
    double grid[11], curve[11], w, best;
    size_t ng = emoc_grid(0.0, 1.0, 0.1, grid, 11);
    cr_assert_eq(ng, 11);
    void *scratch = malloc(emoc_tune_scratch_size(EMOC_TASK_VA, N));
    cr_assert_eq(emoc_tune_blend(EMOC_TASK_VA, a, b, &lab, NULL, grid, ng, scratch, curve, &w, &best), EMOC_OK);
    cr_assert(w > 0.25 && w < 0.75, "w = %g", w);
    cr_assert(best > curve[0] && best > curve[10]);
    double sig[2] = {10, 1000}, sc[2 * 3], bs, bm;
    int del[3] = {0, 3, 10}, bd;
    cr_assert_eq(emoc_tune_smooth(EMOC_TASK_VA, EMOC_SMOOTH_GAUSS_CODE, vid, fr, a, &lab, NULL, sig, 2,
                                  del, 3, scratch, sc, &bs, &bd, &bm), EMOC_OK);
    cr_assert(bd > 0 && bm > sc[0], "smoothing helps a noisy smooth signal");
    free(scratch);
    free(a);
    free(b);
    free(t);
    free(vid);
    free(fr);
}

Test(post_head, forward_by_hand_and_width_refusal)
{
    int e = 3, h = 4;
    size_t np = emoc_mtl_head_param_count(e, h);
    cr_assert_eq(np, 13 * 8 + 8 + 20 + 2 + 13 * 4 + 4 + 4 * 12 + 12);
    float *p = calloc(np, sizeof(float));
    emoc_mtl_head hd;
    cr_assert_eq(emoc_mtl_head_view(&hd, e, h, "toy", p), EMOC_OK);
    float x[13];
    for (int i = 0; i < 13; i++) x[i] = (float)(i + 1) * 0.1f;
    hd.expr_kernel[0 * 8 + 2] = 2.0f;  /* logit 2 = 2·x0 = 0.2 */
    hd.expr_bias[5] = 0.5f;
    hd.va_kernel[0 * 2 + 0] = 1.0f;     /* V = tanh(x[3]) — first of the 10 scores */
    hd.va_bias[1] = -0.25f;
    hd.au1_kernel[12 * 4 + 1] = 1.0f;   /* hidden 1 = relu(x12) = 1.3 */
    hd.au1_bias[0] = -1.0f;             /* hidden 0 = relu(-1) = 0 */
    hd.au2_kernel[1 * 12 + 3] = 2.0f;
    hd.au2_bias[0] = 1.0f;
    double va[2], ex[8], au[12];
    float scr[4];
    emoc_error err;
    cr_assert_eq(emoc_mtl_head_forward(&hd, x, 13, scr, va, ex, au, &err), EMOC_OK);
    double z[8] = {0, 0, (double)(2.0f * 0.1f), 0, 0, 0.5, 0, 0}, sum = 0;
    for (int c = 0; c < 8; c++) sum += exp(z[c]);
    for (int c = 0; c < 8; c++) cr_assert(fabs(ex[c] - exp(z[c]) / sum) < 1e-7);
    cr_assert(fabs(va[0] - tanh((double)x[3])) < 1e-7 && fabs(va[1] - tanh(-0.25)) < 1e-7);
    cr_assert(fabs(au[3] - 1 / (1 + exp(-2.0 * x[12]))) < 1e-6);
    cr_assert(fabs(au[0] - 1 / (1 + exp(-1.0))) < 1e-7 && fabs(au[5] - 0.5) < 1e-12);
    cr_assert_eq(emoc_mtl_head_forward(&hd, x, 12, scr, va, ex, au, &err), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "expects 13 inputs") && strstr(err.msg, "got 12") && strstr(err.msg, "toy"),
              "%s", err.msg);
    free(p);
}
