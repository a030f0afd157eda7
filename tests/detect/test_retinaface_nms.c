/*
 * test_retinaface_nms.c — the RetinaFace post-processing shortcuts keep upstream's results
 * exactly: rf_select (logit pre-filter, decode of candidates only) against softmax + threshold
 * over every prior (rf_gather_outputs), and rf_nms (greedy against the kept rows, stopping at
 * keep_top_k) against a line-by-line transcription of py_cpu_nms (filter the whole remaining
 * order after each keep, then slice [:keep_top_k]), on clustered boxes with tied scores.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nets/retinaface.h"

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static float unit(uint32_t *s) { return (float)lcg(s) / (float)(1u << 24); }

static rf_scratch scratch(size_t P)
{
    rf_scratch s = {
        .boxes = calloc(P * 4, sizeof(float)), .landms = calloc(P * 10, sizeof(float)),
        .scores = calloc(P, sizeof(float)), .dets = calloc(P * 15, sizeof(float)),
        .kept = calloc(RF_KEPT_FLOATS(P), sizeof(float)), .idx = calloc(P, sizeof(int)),
        .order2 = calloc(P, sizeof(int)), .keep = calloc(P, sizeof(int)), .cap = P};
    cr_assert(s.boxes && s.landms && s.scores && s.dets && s.kept && s.idx && s.order2 && s.keep);
    return s;
}

static void scratch_free(rf_scratch *s)
{
    free(s->boxes);
    free(s->landms);
    free(s->scores);
    free(s->dets);
    free(s->kept);
    free(s->idx);
    free(s->order2);
    free(s->keep);
}

/* utils/nms/py_cpu_nms.py as written, then [:limit]; returns the kept count. */
static int upstream_nms(const float *dets, int m, float thr, int limit, int *keep)
{
    float *scores = malloc(sizeof(float) * (size_t)m + 4), *areas = malloc(sizeof(float) * (size_t)m + 4);
    int *idx = malloc(sizeof(int) * (size_t)m + 4), *order = malloc(sizeof(int) * (size_t)m + 4);
    for (int i = 0; i < m; i++) {
        const float *d = dets + 15 * (size_t)i;
        areas[i] = (d[2] - d[0] + 1) * (d[3] - d[1] + 1);
        scores[i] = d[4];
    }
    rf_argsort_numpy(scores, m, idx);
    for (int i = 0; i < m; i++) order[i] = idx[m - 1 - i];
    int len = m, n = 0;
    while (len > 0) {
        int i = order[0];
        keep[n++] = i;
        const float *a = dets + 15 * (size_t)i;
        int nl = 0;
        for (int t = 1; t < len; t++) {
            const float *b = dets + 15 * (size_t)order[t];
            float xx1 = a[0] > b[0] ? a[0] : b[0], yy1 = a[1] > b[1] ? a[1] : b[1];
            float xx2 = a[2] < b[2] ? a[2] : b[2], yy2 = a[3] < b[3] ? a[3] : b[3];
            float ww = xx2 - xx1 + 1, hh = yy2 - yy1 + 1;
            ww = ww != ww ? ww : (ww > 0.0f ? ww : 0.0f);
            hh = hh != hh ? hh : (hh > 0.0f ? hh : 0.0f);
            float inter = ww * hh;
            float ovr = inter / (areas[i] + areas[order[t]] - inter);
            if (ovr <= thr) order[nl++] = order[t];
        }
        len = nl;
    }
    free(scores);
    free(areas);
    free(idx);
    free(order);
    return n < limit ? n : limit;
}

/* m candidate rows around a few centres, scores from `levels` distinct values (ties when
 * levels < m), sorted as rf_sort_top_k leaves them. */
static void make_dets(rf_scratch *s, int m, int levels, uint32_t seed)
{
    for (int i = 0; i < m; i++) {
        int c = (int)(lcg(&seed) % 7);
        float cx = 40.0f + 90.0f * (float)c + 30.0f * unit(&seed);
        float cy = 50.0f + 60.0f * (float)(c % 3) + 30.0f * unit(&seed);
        float hw = 2.0f + 40.0f * unit(&seed), hh = 2.0f + 40.0f * unit(&seed);
        if (i % 97 == 5) hw = -3.0f; /* degenerate boxes (negative width) as random heads give */
        float *b = s->boxes + 4 * (size_t)i;
        b[0] = cx - hw;
        b[1] = cy - hh;
        b[2] = cx + hw;
        b[3] = cy + hh;
        s->scores[i] = 0.03f + (float)(lcg(&seed) % (uint32_t)levels) / (float)levels;
        for (int k = 0; k < 10; k++) s->landms[10 * (size_t)i + k] = (float)(i * 10 + k);
    }
}

Test(retinaface_nms, greedy_nms_keeps_upstreams_rows)
{
    int sizes[] = {1, 2, 17, 300, 2000};
    int levels[] = {3, 40, 1 << 20};
    int limits[] = {1, 5, 750};
    float thrs[] = {0.4f, 0.0f, 0.9f};
    int cases = 0;
    for (int a = 0; a < 5; a++)
        for (int l = 0; l < 3; l++)
            for (int t = 0; t < 3; t++) {
                int m = sizes[a];
                rf_scratch s = scratch((size_t)m);
                make_dets(&s, m, levels[l], 1234u + (uint32_t)(a * 31 + l * 7 + t));
                rf_config c = {.top_k = m, .nms_threshold = thrs[t], .keep_top_k = limits[t]};
                int k = rf_sort_top_k(&c, m, &s);
                cr_assert_eq(k, m);
                int *want = malloc(sizeof(int) * (size_t)m);
                int nw = upstream_nms(s.dets, k, c.nms_threshold, c.keep_top_k, want);
                int ng = rf_nms(&c, s.dets, k, &s);
                cr_assert_eq(ng, nw, "m=%d levels=%d thr=%g limit=%d: kept %d, upstream %d", m,
                             levels[l], (double)thrs[t], limits[t], ng, nw);
                for (int r = 0; r < nw; r++)
                    cr_assert_eq(s.keep[r], want[r], "m=%d levels=%d: row %d is %d, upstream %d",
                                 m, levels[l], r, s.keep[r], want[r]);
                cases += nw > 1;
                free(want);
                scratch_free(&s);
            }
    cr_assert_geq(cases, 20, "too few cases keep more than one row");
}

Test(retinaface_nms, select_matches_softmax_over_every_prior)
{
    rf_config c = {.min_sizes = {{16, 32}, {64, 128}, {256, 512}}, .steps = {8, 16, 32},
                   .variance = {0.1f, 0.2f}, .conf_threshold = 0.02f};
    int h = 90, w = 140;
    size_t P = rf_prior_count(&c, h, w);
    float *priors = malloc(P * 4 * sizeof(float));
    rf_priors(&c, h, w, priors);
    int hh[3], hw[3];
    float *heads[3];
    uint32_t seed = 99;
    float edge = logf(0.02f / 0.98f); /* logit gaps right at the threshold */
    for (int k = 0; k < 3; k++) {
        hh[k] = (h + c.steps[k] - 1) / c.steps[k];
        hw[k] = (w + c.steps[k] - 1) / c.steps[k];
        size_t n = (size_t)hh[k] * (size_t)hw[k] * RF_HEAD_CH;
        heads[k] = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) heads[k][i] = 0.3f * (unit(&seed) - 0.5f);
        for (size_t q = 0; q < n / RF_HEAD_CH; q++)
            for (int a = 0; a < 2; a++) {
                float *cl = heads[k] + q * RF_HEAD_CH + RF_CLS_OFF + 2 * a;
                float c0 = 40.0f * (unit(&seed) - 0.5f);
                int kind = (int)(lcg(&seed) % 6);
                float gap = kind == 0 ? edge + 1e-3f * (unit(&seed) - 0.5f)
                          : kind == 1 ? edge - 1.0f + 1e-3f * (unit(&seed) - 0.5f)
                          : 60.0f * (unit(&seed) - 0.5f);
                cl[0] = c0;
                cl[1] = kind == 2 ? (unit(&seed) < 0.5f ? INFINITY : -INFINITY)
                      : kind == 3 ? NAN : c0 + gap;
            }
    }
    float *loc = malloc(P * 4 * sizeof(float)), *conf = malloc(P * 2 * sizeof(float));
    float *lm = malloc(P * 10 * sizeof(float));
    const float *ch[3] = {heads[0], heads[1], heads[2]};
    rf_gather_outputs(ch, hh, hw, loc, conf, lm);
    rf_scratch s = scratch(P);
    int m = rf_select(&c, h, w, priors, ch, hh, hw, &s);
    int want = 0, near = 0;
    for (size_t i = 0; i < P; i++) {
        float sc = conf[2 * i + 1];
        near += fabsf(sc - 0.02f) < 1e-4f;
        if (!(sc > c.conf_threshold)) continue;
        cr_assert_lt(want, m, "rf_select found %d candidates, prior %zu is one more", m, i);
        cr_assert_eq(s.scores[want], sc, "candidate %d (prior %zu) score", want, i);
        /* the first landmark x: (cx + l0·v0·s_kx)·W, the decode of this prior */
        const float *pr = priors + 4 * i;
        float lx = (pr[0] + lm[10 * i] * c.variance[0] * pr[2]) * (float)w;
        cr_assert_eq(s.landms[10 * (size_t)want], lx, "candidate %d (prior %zu) landmark", want, i);
        want++;
    }
    cr_assert_eq(m, want);
    cr_assert_gt(near, 10, "the data must put scores right at the threshold");
    cr_assert_gt(want, 60);
    for (int k = 0; k < 3; k++) free(heads[k]);
    free(priors);
    free(loc);
    free(conf);
    free(lm);
    scratch_free(&s);
}
