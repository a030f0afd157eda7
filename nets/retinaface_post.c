/*
 * retinaface_post.c — detect.py after the network (docs/detectors.md §2), with upstream's exact
 * arithmetic: priors in double rounded to float32 (prior_box.py + torch.Tensor), softmax and
 * decoding in float32 in torch's operation order (utils/box_utils.py), numpy's argsort for the
 * two orderings (its introsort fixes the order of equal scores, which flat image regions
 * produce), and py_cpu_nms in float32.
 */
#include "nets/retinaface.h"

#include <math.h>
#include <string.h>

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

size_t rf_prior_count(const rf_config *c, int h, int w)
{
    size_t n = 0;
    for (int k = 0; k < 3; k++)
        n += (size_t)ceil_div(h, c->steps[k]) * (size_t)ceil_div(w, c->steps[k]) * 2;
    return n;
}

void rf_priors(const rf_config *c, int h, int w, float *priors)
{
    float *p = priors;
    for (int k = 0; k < 3; k++) {
        int fh = ceil_div(h, c->steps[k]), fw = ceil_div(w, c->steps[k]);
        for (int i = 0; i < fh; i++)
            for (int j = 0; j < fw; j++)
                for (int a = 0; a < 2; a++) {
                    double ms = c->min_sizes[k][a];
                    *p++ = (float)((j + 0.5) * c->steps[k] / w);
                    *p++ = (float)((i + 0.5) * c->steps[k] / h);
                    *p++ = (float)(ms / w);
                    *p++ = (float)(ms / h);
                }
    }
}

void rf_gather_outputs(const float *const heads[3], const int hh[3], const int hw[3],
                       float *loc, float *conf, float *landms)
{
    for (int k = 0; k < 3; k++) {
        size_t px = (size_t)hh[k] * (size_t)hw[k];
        for (size_t q = 0; q < px; q++) {
            const float *o = heads[k] + q * RF_HEAD_CH;
            for (int a = 0; a < 2; a++) {
                memcpy(loc, o + RF_BOX_OFF + 4 * a, 4 * sizeof(float));
                memcpy(landms, o + RF_LM_OFF + 10 * a, 10 * sizeof(float));
                /* F.softmax over the 2 classes as ATen's last-dim kernel: max, exp(x − max),
                 * sum, multiply by 1/sum. */
                float c0 = o[RF_CLS_OFF + 2 * a], c1 = o[RF_CLS_OFF + 2 * a + 1];
                float m = c0 > c1 ? c0 : c1;
                float e0 = expf(c0 - m), e1 = expf(c1 - m);
                float r = 1.0f / (e0 + e1);
                conf[0] = e0 * r;
                conf[1] = e1 * r;
                loc += 4;
                landms += 10;
                conf += 2;
            }
        }
    }
}

/* ---- numpy argsort (npysort aquicksort_ / aheapsort_ for float) -------------------------- */

static int fless(float a, float b) { return a < b || (b != b && a == a); }

static void swap_int(int *a, int *b)
{
    int t = *a;
    *a = *b;
    *b = t;
}

/* Heap sort of tosort[0..n) by v (1-based heap as numpy's). */
static void aheapsort(const float *v, int *tosort, int n)
{
#define A(k) tosort[(k) - 1]
    int i, j, l, tmp;
    for (l = n >> 1; l > 0; --l) {
        tmp = A(l);
        for (i = l, j = l << 1; j <= n;) {
            if (j < n && fless(v[A(j)], v[A(j + 1)])) j += 1;
            if (!fless(v[tmp], v[A(j)])) break;
            A(i) = A(j);
            i = j;
            j += j;
        }
        A(i) = tmp;
    }
    for (; n > 1;) {
        tmp = A(n);
        A(n) = A(1);
        n -= 1;
        for (i = 1, j = 2; j <= n;) {
            if (j < n && fless(v[A(j)], v[A(j + 1)])) j++;
            if (!fless(v[tmp], v[A(j)])) break;
            A(i) = A(j);
            i = j;
            j += j;
        }
        A(i) = tmp;
    }
#undef A
}

#define QS_STACK 128
#define SMALL_QUICKSORT 15

void rf_argsort_numpy(const float *v, int n, int *idx)
{
    for (int i = 0; i < n; i++) idx[i] = i;
    if (n < 2) return;
    int *pl = idx, *pr = idx + n - 1;
    int *stack[QS_STACK], **sptr = stack;
    int depth[QS_STACK], *psdepth = depth;
    int cdepth = 0;
    for (unsigned u = (unsigned)n; u >>= 1;) cdepth++;
    cdepth *= 2;
    for (;;) {
        if (cdepth < 0) {
            aheapsort(v, pl, (int)(pr - pl) + 1);
            goto stack_pop;
        }
        while (pr - pl > SMALL_QUICKSORT) {
            int *pm = pl + ((pr - pl) >> 1);
            if (fless(v[*pm], v[*pl])) swap_int(pm, pl);
            if (fless(v[*pr], v[*pm])) swap_int(pr, pm);
            if (fless(v[*pm], v[*pl])) swap_int(pm, pl);
            float vp = v[*pm];
            int *pi = pl, *pj = pr - 1;
            swap_int(pm, pj);
            for (;;) {
                do ++pi;
                while (fless(v[*pi], vp));
                do --pj;
                while (fless(vp, v[*pj]));
                if (pi >= pj) break;
                swap_int(pi, pj);
            }
            swap_int(pi, pr - 1);
            /* push the larger partition, continue with the smaller */
            if (pi - pl < pr - pi) {
                *sptr++ = pi + 1;
                *sptr++ = pr;
                pr = pi - 1;
            } else {
                *sptr++ = pl;
                *sptr++ = pi - 1;
                pl = pi + 1;
            }
            *psdepth++ = --cdepth;
        }
        for (int *pi = pl + 1; pi <= pr; ++pi) { /* insertion sort */
            int vi = *pi, *pj = pi, *pk = pi - 1;
            float vp = v[vi];
            while (pj > pl && fless(vp, v[*pk])) *pj-- = *pk--;
            *pj = vi;
        }
    stack_pop:
        if (sptr == stack) break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}

/* ---- decode, select, NMS ------------------------------------------------------------------ */

/* utils/box_utils.py decode + decode_landm, then × (W, H) as detect.py (resize = 1). */
static void decode(const rf_config *c, int h, int w, const float *pr, const float *loc,
                   const float *lm, float *box, float *lmo)
{
    float v0 = c->variance[0], v1 = c->variance[1], W = (float)w, H = (float)h;
    float cx = pr[0] + loc[0] * v0 * pr[2];
    float cy = pr[1] + loc[1] * v0 * pr[3];
    float bw = pr[2] * expf(loc[2] * v1);
    float bh = pr[3] * expf(loc[3] * v1);
    float x1 = cx - bw / 2, y1 = cy - bh / 2;
    box[0] = x1 * W;
    box[1] = y1 * H;
    box[2] = (bw + x1) * W;
    box[3] = (bh + y1) * H;
    for (int k = 0; k < 5; k++) {
        lmo[2 * k] = (pr[0] + lm[2 * k] * v0 * pr[2]) * W;
        lmo[2 * k + 1] = (pr[1] + lm[2 * k + 1] * v0 * pr[3]) * H;
    }
}

/* A logit gap c1 − c0 below which softmax's face score is surely ≤ the threshold t: the exact
 * score is 1/(1 + e^(c0−c1)) < t·e^(−1) there, far below what float32 rounding of the softmax
 * could lift to t. -INFINITY (no shortcut) when t is outside (0, 1). */
static double logit_floor(float t)
{
    if (!(t > 0.0f && t < 1.0f)) return -INFINITY;
    return log((double)t / (1.0 - (double)t)) - 1.0;
}

int rf_select(const rf_config *c, int h, int w, const float *priors,
              const float *const heads[3], const int hh[3], const int hw[3], rf_scratch *s)
{
    double floor_gap = logit_floor(c->conf_threshold);
    int m = 0;
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        size_t px = (size_t)hh[k] * (size_t)hw[k];
        for (size_t q = 0; q < px; q++) {
            const float *o = heads[k] + q * RF_HEAD_CH;
            for (int a = 0; a < 2; a++, i++) {
                float c0 = o[RF_CLS_OFF + 2 * a], c1 = o[RF_CLS_OFF + 2 * a + 1];
                if ((double)c1 - (double)c0 < floor_gap) continue; /* NaN falls through */
                /* F.softmax as rf_gather_outputs computes it */
                float mx = c0 > c1 ? c0 : c1;
                float e0 = expf(c0 - mx), e1 = expf(c1 - mx);
                float sc = e1 * (1.0f / (e0 + e1));
                if (!(sc > c->conf_threshold)) continue;
                decode(c, h, w, priors + 4 * i, o + RF_BOX_OFF + 4 * a, o + RF_LM_OFF + 10 * a,
                       s->boxes + 4 * (size_t)m, s->landms + 10 * (size_t)m);
                s->scores[m++] = sc;
            }
        }
    }
    return m;
}

int rf_sort_top_k(const rf_config *c, int m, rf_scratch *s)
{
    /* order = scores.argsort()[::-1][:top_k] */
    rf_argsort_numpy(s->scores, m, s->idx);
    int k = m < c->top_k ? m : c->top_k;
    for (int r = 0; r < k; r++) {
        int i = s->idx[m - 1 - r];
        float *d = s->dets + (size_t)r * 15;
        memcpy(d, s->boxes + 4 * (size_t)i, 4 * sizeof(float));
        d[4] = s->scores[i];
        memcpy(d + 5, s->landms + 10 * (size_t)i, 10 * sizeof(float));
    }
    return k;
}

/* py_cpu_nms's `order = scores.argsort()[::-1]` over rows already in descending order: when no
 * two scores are equal that is 0, 1, 2, ...; equal scores take numpy's introsort order. */
static void nms_order(const float *dets, int m, rf_scratch *s)
{
    int strict = 1;
    for (int i = 1; i < m && strict; i++) strict = dets[15 * (size_t)(i - 1) + 4] > dets[15 * (size_t)i + 4];
    if (strict) {
        for (int i = 0; i < m; i++) s->order2[i] = i;
        return;
    }
    for (int i = 0; i < m; i++) s->scores[i] = dets[15 * (size_t)i + 4];
    rf_argsort_numpy(s->scores, m, s->idx);
    for (int i = 0; i < m; i++) s->order2[i] = s->idx[m - 1 - i];
}

/* py_cpu_nms over the m rows of dets, at most `limit` kept. Upstream takes the best remaining
 * row, keeps it and drops every remaining row whose overlap with it is not ≤ thr; so a row is
 * kept exactly when its overlap with every row kept before it is ≤ thr. Walking the rows in
 * order and testing each against the kept ones (stopping at the first block of kept rows that
 * suppresses it, and at keep_top_k kept: upstream slices [:keep_top_k] after) keeps the same
 * rows in the same order with far fewer overlaps computed. The arithmetic is upstream's, in
 * float32, with the kept row as upstream's `i` (so even NaN boxes give upstream's floats). */
enum { NMS_BLOCK = 8 }; /* = the padding of RF_KEPT_FLOATS */

/* Does any of the kept rows [t0, t0 + n) (n ≤ NMS_BLOCK; structure of arrays) suppress row b?
 * Fixed trip count and no branch, so the compiler can run the lanes side by side; lanes ≥ n
 * (initialised padding) are computed and ignored. */
static int block_suppresses(const rf_scratch *s, size_t cap, int t0, int n, const float *b,
                            float area_b, float thr)
{
    const float *kx1 = s->kept + t0, *ky1 = kx1 + cap, *kx2 = ky1 + cap, *ky2 = kx2 + cap;
    const float *ka = ky2 + cap;
    int sup = 0;
    for (int l = 0; l < NMS_BLOCK; l++) {
        float xx1 = kx1[l] > b[0] ? kx1[l] : b[0], yy1 = ky1[l] > b[1] ? ky1[l] : b[1];
        float xx2 = kx2[l] < b[2] ? kx2[l] : b[2], yy2 = ky2[l] < b[3] ? ky2[l] : b[3];
        float ww = xx2 - xx1 + 1, hh = yy2 - yy1 + 1;
        ww = ww != ww ? ww : (ww > 0.0f ? ww : 0.0f); /* np.maximum(0.0, ·) keeps NaN */
        hh = hh != hh ? hh : (hh > 0.0f ? hh : 0.0f);
        float inter = ww * hh;
        float ovr = inter / (ka[l] + area_b - inter);
        sup |= (l < n) & !(ovr <= thr);
    }
    return sup;
}

int rf_nms(const rf_config *c, const float *dets, int m, rf_scratch *s)
{
    nms_order(dets, m, s);
    float thr = c->nms_threshold;
    int limit = c->keep_top_k, n_keep = 0;
    /* kept rows as 5 arrays of s->cap + NMS_BLOCK floats: x1, y1, x2, y2, area (the block past
     * the last kept row is zeroed: read, never counted) */
    size_t cap = s->cap + NMS_BLOCK;
    for (int f = 0; f < 5; f++) memset(s->kept + f * cap, 0, NMS_BLOCK * sizeof(float));
    for (int r = 0; r < m && n_keep < limit; r++) {
        int j = s->order2[r];
        const float *b = dets + (size_t)j * 15;
        float area_b = (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
        int sup = 0;
        for (int t = 0; t < n_keep && !sup; t += NMS_BLOCK)
            sup = block_suppresses(s, cap, t, n_keep - t < NMS_BLOCK ? n_keep - t : NMS_BLOCK, b,
                                   area_b, thr);
        if (sup) continue;
        for (int f = 0; f < 4; f++) s->kept[f * cap + (size_t)n_keep] = b[f];
        s->kept[4 * cap + (size_t)n_keep] = area_b;
        s->keep[n_keep++] = j;
        if (n_keep % NMS_BLOCK == 0) /* the next block's padding */
            for (int f = 0; f < 5; f++)
                memset(s->kept + f * cap + (size_t)n_keep, 0, NMS_BLOCK * sizeof(float));
    }
    return n_keep;
}
