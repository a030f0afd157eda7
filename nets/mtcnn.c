/*
 * mtcnn.c — the MTCNN back-end: facenet-pytorch's detect_face() step by step
 * (docs/detectors.md §1), in float32 with upstream's operation order:
 *
 *   pyramid  scales m·0.709^k (emoc_mtcnn_scales); each level is the area-resampled image
 *            of (int)(h·s + 1) × (int)(w·s + 1) through PNet (one plan per level, cached per
 *            frame size);
 *   stage 1  cells with face probability ≥ 0.6 → box ⌊(2x+1)/s⌋, ⌊(2x+12)/s⌋ (float32 true
 *            division); NMS 0.5 per level, NMS 0.7 over all; regression (widths without +1);
 *            square-up (rerec);
 *   stage 2  crop rows [y−1, ey), cols [x−1, ex) of the truncated box clipped to the image
 *            (pad()), area-resample to 24×24, RNet; keep probability > 0.7; NMS 0.7;
 *            regression (widths +1); square-up;
 *   stage 3  same crops at 48×48, ONet; keep > 0.7; landmarks from the box before regression;
 *            regression; NMS 0.7 "Min" (numpy, +1 areas);
 *   output   largest box first (reverse of a stable ascending argsort of (x2−x1)·(y2−y1)), then
 *            EmotiEffLib's keep: probability > threshold (0.9).
 * Upstream would fail on a box whose crop is empty (its crop list gets shorter than the box
 * list); emoc drops such a box. A frame too small for one pyramid level has no face (upstream
 * raises on the empty concatenation).
 */
#include "nets/mtcnn.h"

#include "engine/core/core.h"
#include "engine/core/subnet.h"
#include "nets/detect_common.h"

#include <math.h>
#include <string.h>

#define MAX_SCALES 64
#define MAX_LEVEL_PIXELS ((long long)1 << 22) /* PNet input of the first level: 4 Mpx */

typedef struct cand {     /* box x1,y1,x2,y2 then score at [4] (detect_common strides) */
    float b[4];
    float score;
    float reg[4];
    float lm[10];
} cand;
#define CAND_STRIDE (sizeof(cand) / sizeof(float))

typedef struct mtcnn {
    const emw_file *f;
    emoc_allocator alloc;
    emoc_isa isa;
    emoc_pool *pool;
    emoc_subnet *rnet, *onet;
    /* per frame size (w, h, min_face) */
    int w, h, min_face, n_scales;
    double scales[MAX_SCALES];
    emoc_subnet *pnet[MAX_SCALES];
    uint8_t *arena;
    size_t arena_bytes;
    int cap;                       /* candidate slots */
    cand *c0, *c1;
    int *order, *scratch, *keep;
    unsigned char *supp;
} mtcnn;

static void free_size_state(mtcnn *m)
{
    for (int i = 0; i < m->n_scales; i++) emoc_subnet_free(m->pnet[i]);
    m->n_scales = 0;
    m->w = m->h = m->min_face = 0;
    emoc__free(&m->alloc, m->arena);
    emoc__free(&m->alloc, m->c0);
    emoc__free(&m->alloc, m->c1);
    emoc__free(&m->alloc, m->order);
    emoc__free(&m->alloc, m->scratch);
    emoc__free(&m->alloc, m->keep);
    emoc__free(&m->alloc, m->supp);
    m->arena = NULL;
    m->c0 = m->c1 = NULL;
    m->order = m->scratch = m->keep = NULL;
    m->supp = NULL;
    m->cap = 0;
}

static void mtcnn_close(void *state)
{
    mtcnn *m = state;
    if (!m) return;
    free_size_state(m);
    emoc_subnet_free(m->rnet);
    emoc_subnet_free(m->onet);
    if (m->pool) emoc_subnet_pool_free(m->pool);
    emoc_allocator a = m->alloc;
    emoc__free(&a, m);
}

static emoc_status mtcnn_open(const emw_file *f, const emoc_options *opt, void **state,
                              emoc_error *err)
{
    const emoc_allocator *a = opt && opt->allocator ? opt->allocator : &emoc__default_allocator;
    mtcnn *m = emoc__alloc(a, sizeof(*m), 64);
    if (!m) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    memset(m, 0, sizeof(*m));
    m->f = f;
    m->alloc = *a;
    m->isa = opt ? opt->isa : EMOC_ISA_AUTO;
    emoc_status st = emoc_subnet_pool_create(&m->alloc, 1, &m->pool);
    if (st != EMOC_OK) {
        mtcnn_close(m);
        return emoc__fail(err, st, "out of memory creating the thread pool");
    }
    /* PNet is planned per frame size; build one small plan now so that its tensors are checked
     * at load time. */
    static const int probe[2] = {12, 12};
    emoc_subnet *p = NULL;
    st = emoc_subnet_create(f, "mtcnn pnet", "pnet.", emoc_mtcnn_build_pnet, probe, &m->alloc,
                            m->isa, &p, err);
    emoc_subnet_free(p);
    if (!st) st = emoc_subnet_create(f, "mtcnn rnet", "rnet.", emoc_mtcnn_build_rnet, NULL,
                                     &m->alloc, m->isa, &m->rnet, err);
    if (!st) st = emoc_subnet_create(f, "mtcnn onet", "onet.", emoc_mtcnn_build_onet, NULL,
                                     &m->alloc, m->isa, &m->onet, err);
    for (size_t i = 0; !st && i < f->n_tensors; i++) {
        const char *n = f->tensors[i].name;
        if (strncmp(n, "pnet.", 5) && strncmp(n, "rnet.", 5) && strncmp(n, "onet.", 5))
            st = emoc__fail(err, EMOC_E_SHAPE,
                            "tensor '%s' belongs to none of MTCNN's pnet., rnet., onet. (extra "
                            "tensor)", n);
    }
    if (st) {
        mtcnn_close(m);
        return st;
    }
    *state = m;
    return EMOC_OK;
}

static void *grab(mtcnn *m, size_t bytes, emoc_status *st)
{
    void *p = *st ? NULL : emoc__alloc(&m->alloc, bytes ? bytes : 1, 64);
    if (!p && !*st) *st = EMOC_E_NOMEM;
    return p;
}

/* Plans and buffers for frames of w×h with this min_face (kept until the size changes). */
static emoc_status prepare_size(mtcnn *m, int w, int h, int min_face, emoc_error *err)
{
    if (m->w == w && m->h == h && m->min_face == min_face) return EMOC_OK;
    free_size_state(m);
    int n = emoc_mtcnn_scales(w, h, min_face, m->scales, MAX_SCALES);
    if (n > 0) {
        long long sh = (long long)(h * m->scales[0] + 1), sw = (long long)(w * m->scales[0] + 1);
        if (sh * sw > MAX_LEVEL_PIXELS)
            return emoc__fail(err, EMOC_E_LIMIT,
                              "min_face %d on a %dx%d frame needs a %lldx%lld first pyramid "
                              "level, over the cap of %lld px: raise min_face",
                              min_face, w, h, sw, sh, MAX_LEVEL_PIXELS);
    }
    size_t need = emoc_subnet_arena_size(m->rnet, 1);
    size_t o = emoc_subnet_arena_size(m->onet, 1);
    if (o > need) need = o;
    long long cap = 1;
    emoc_status st = EMOC_OK;
    for (int i = 0; i < n; i++) {
        int hw[2] = {(int)(h * m->scales[i] + 1), (int)(w * m->scales[i] + 1)};
        st = emoc_subnet_create(m->f, "mtcnn pnet", "pnet.", emoc_mtcnn_build_pnet, hw, &m->alloc,
                                m->isa, &m->pnet[i], err);
        if (st) break;
        m->n_scales = i + 1;
        size_t a = emoc_subnet_arena_size(m->pnet[i], 1);
        if (a > need) need = a;
        int oh, ow;
        emoc_subnet_output(m->pnet[i], NULL, 0, &oh, &ow, NULL);
        cap += (long long)oh * ow;
    }
    if (st) {
        free_size_state(m);
        return st;
    }
    m->cap = (int)cap;
    m->arena = grab(m, need, &st);
    m->arena_bytes = need;
    m->c0 = grab(m, sizeof(cand) * (size_t)cap, &st);
    m->c1 = grab(m, sizeof(cand) * (size_t)cap, &st);
    m->order = grab(m, sizeof(int) * (size_t)cap, &st);
    m->scratch = grab(m, sizeof(int) * (size_t)cap, &st);
    m->keep = grab(m, sizeof(int) * (size_t)cap, &st);
    m->supp = grab(m, (size_t)cap, &st);
    if (st) {
        free_size_state(m);
        return emoc__fail(err, st, "out of memory for a %dx%d frame (%lld candidates)", w, h, cap);
    }
    m->w = w;
    m->h = h;
    m->min_face = min_face;
    return EMOC_OK;
}

static float face_prob(const float *logits)
{
    float a = logits[0], b = logits[1], mx = a > b ? a : b;
    float ea = expf(a - mx), eb = expf(b - mx);
    return eb / (ea + eb);
}

/* Greedy NMS over src[0..n) (score descending, stable) → dst in kept order; returns count. */
static int nms_copy(mtcnn *m, const cand *src, int n, double thr, cand *dst)
{
    det_order_by_score(&src[0].score, CAND_STRIDE, n, m->order, m->scratch);
    int k = det_nms_iou(src[0].b, CAND_STRIDE, m->order, n, thr, m->supp, m->keep);
    for (int i = 0; i < k; i++) dst[i] = src[m->keep[i]];
    return k;
}

static void rerec(float *b)
{
    float h = b[3] - b[1], w = b[2] - b[0];
    float l = w > h ? w : h;
    b[0] = b[0] + w * 0.5f - l * 0.5f;
    b[1] = b[1] + h * 0.5f - l * 0.5f;
    b[2] = b[0] + l;
    b[3] = b[1] + l;
}

static void bbreg(float *b, const float *reg)
{
    float w = b[2] - b[0] + 1.0f, h = b[3] - b[1] + 1.0f;
    float b0 = b[0] + reg[0] * w, b1 = b[1] + reg[1] * h;
    float b2 = b[2] + reg[2] * w, b3 = b[3] + reg[3] * h;
    b[0] = b0;
    b[1] = b1;
    b[2] = b2;
    b[3] = b3;
}

static int trunc_int(float v)
{
    if (!(v == v)) return 0;
    if (v > 1e9f) return 1000000000;
    if (v < -1e9f) return -1000000000;
    return (int)v;
}

/* pad(): the crop of box b clipped to the image, rows [y0, y1), cols [x0, x1); 0 if empty. */
static int crop_of(const float *b, int w, int h, int *x0, int *y0, int *x1, int *y1)
{
    int x = trunc_int(b[0]), y = trunc_int(b[1]), ex = trunc_int(b[2]), ey = trunc_int(b[3]);
    if (x < 1) x = 1;
    if (y < 1) y = 1;
    if (ex > w) ex = w;
    if (ey > h) ey = h;
    if (!(ey > y - 1 && ex > x - 1)) return 0;
    *x0 = x - 1;
    *y0 = y - 1;
    *x1 = ex;
    *y1 = ey;
    return 1;
}

/* Runs net (RNet or ONet, input size S) on the crop of b; returns its arena outputs. */
static void run_crop(mtcnn *m, emoc_subnet *net, const emoc_image *img, int x0, int y0, int x1,
                     int y1)
{
    int S;
    float *in = emoc_subnet_input(net, m->arena, &S, NULL, NULL);
    emoc_mtcnn_area_resample(img->pixels, (size_t)img->width * 3, x0, y0, x1 - x0, y1 - y0, S, S,
                             in);
    emoc_subnet_run(net, m->arena, m->pool);
}

static int stage1(mtcnn *m, const emoc_image *img)
{
    int total = 0;
    cand *all = m->c0, *picked = m->c1;
    int n_picked = 0;
    for (int s = 0; s < m->n_scales; s++) {
        emoc_subnet *p = m->pnet[s];
        int ih, iw;
        float *in = emoc_subnet_input(p, m->arena, &ih, &iw, NULL);
        emoc_mtcnn_area_resample(img->pixels, (size_t)img->width * 3, 0, 0, img->width,
                                 img->height, ih, iw, in);
        emoc_subnet_run(p, m->arena, m->pool);
        int oh, ow;
        const float *cls = emoc_subnet_output(p, m->arena, 0, &oh, &ow, NULL);
        const float *reg = emoc_subnet_output(p, m->arena, 1, NULL, NULL, NULL);
        const float scale = (float)m->scales[s];
        int first = total;
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                size_t i = (size_t)y * ow + x;
                float prob = face_prob(cls + 2 * i);
                if (!(prob >= 0.6f)) continue;
                cand *c = &all[total++];
                float fx = (float)x, fy = (float)y;
                c->b[0] = floorf((2.0f * fx + 1.0f) / scale);
                c->b[1] = floorf((2.0f * fy + 1.0f) / scale);
                c->b[2] = floorf((2.0f * fx + 11.0f + 1.0f) / scale);
                c->b[3] = floorf((2.0f * fy + 11.0f + 1.0f) / scale);
                c->score = prob;
                memcpy(c->reg, reg + 4 * i, sizeof(float) * 4);
            }
        n_picked += nms_copy(m, all + first, total - first, 0.5, picked + n_picked);
    }
    int n = nms_copy(m, picked, n_picked, 0.7, all);
    for (int i = 0; i < n; i++) {
        float *b = all[i].b;
        const float *r = all[i].reg;
        float regw = b[2] - b[0], regh = b[3] - b[1];
        float q1 = b[0] + r[0] * regw, q2 = b[1] + r[1] * regh;
        float q3 = b[2] + r[2] * regw, q4 = b[3] + r[3] * regh;
        b[0] = q1;
        b[1] = q2;
        b[2] = q3;
        b[3] = q4;
        rerec(b);
    }
    return n; /* in m->c0 */
}

static int stage2(mtcnn *m, const emoc_image *img, int n)
{
    cand *in = m->c0, *pass = m->c1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        int x0, y0, x1, y1;
        if (!crop_of(in[i].b, img->width, img->height, &x0, &y0, &x1, &y1)) continue;
        run_crop(m, m->rnet, img, x0, y0, x1, y1);
        float prob = face_prob(emoc_subnet_output(m->rnet, m->arena, 0, NULL, NULL, NULL));
        if (!(prob > 0.7f)) continue;
        pass[k] = in[i];
        pass[k].score = prob;
        memcpy(pass[k].reg, emoc_subnet_output(m->rnet, m->arena, 1, NULL, NULL, NULL),
               sizeof(float) * 4);
        k++;
    }
    int kept = nms_copy(m, pass, k, 0.7, in);
    for (int i = 0; i < kept; i++) {
        bbreg(in[i].b, in[i].reg);
        rerec(in[i].b);
    }
    return kept; /* in m->c0 */
}

static int stage3(mtcnn *m, const emoc_image *img, int n)
{
    cand *in = m->c0, *pass = m->c1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        int x0, y0, x1, y1;
        if (!crop_of(in[i].b, img->width, img->height, &x0, &y0, &x1, &y1)) continue;
        run_crop(m, m->onet, img, x0, y0, x1, y1);
        float prob = face_prob(emoc_subnet_output(m->onet, m->arena, 0, NULL, NULL, NULL));
        if (!(prob > 0.7f)) continue;
        const float *reg = emoc_subnet_output(m->onet, m->arena, 1, NULL, NULL, NULL);
        const float *lm = emoc_subnet_output(m->onet, m->arena, 2, NULL, NULL, NULL);
        cand *c = &pass[k++];
        *c = in[i];
        c->score = prob;
        float wi = c->b[2] - c->b[0] + 1.0f, hi = c->b[3] - c->b[1] + 1.0f;
        for (int j = 0; j < 5; j++) {
            c->lm[2 * j] = wi * lm[j] + c->b[0] - 1.0f;
            c->lm[2 * j + 1] = hi * lm[5 + j] + c->b[1] - 1.0f;
        }
        bbreg(c->b, reg);
    }
    /* numpy: I = argsort(scores) ascending, pick from the end */
    det_order_ascending(&pass[0].score, CAND_STRIDE, k, m->scratch, m->order);
    for (int i = 0; i < k; i++) m->order[i] = m->scratch[k - 1 - i];
    int kept = det_nms_min(pass[0].b, CAND_STRIDE, m->order, k, 0.7f, m->supp, m->keep);
    for (int i = 0; i < kept; i++) in[i] = pass[m->keep[i]];
    return kept; /* in m->c0 */
}

static emoc_status mtcnn_detect(void *state, const emoc_image *rgb, const emoc_detect_options *o,
                                emoc_face *out, int cap, int *n_out, emoc_error *err)
{
    mtcnn *m = state;
    *n_out = 0;
    if (o->min_face < 1)
        return emoc__fail(err, EMOC_E_ARG, "MTCNN min_face must be at least 1 px, got %d",
                          o->min_face);
    emoc_status st = prepare_size(m, rgb->width, rgb->height, o->min_face, err);
    if (st) return st;
    if (m->n_scales == 0) return EMOC_OK;
    int n = stage1(m, rgb);
    if (n > 0) n = stage2(m, rgb, n);
    if (n > 0) n = stage3(m, rgb, n);
    /* largest first: reverse of numpy's ascending argsort of the areas */
    cand *f = m->c0;
    float *area = (float *)m->c1; /* scratch: n floats */
    for (int i = 0; i < n; i++) area[i] = (f[i].b[2] - f[i].b[0]) * (f[i].b[3] - f[i].b[1]);
    det_order_ascending(area, 1, n, m->order, m->scratch);
    int count = 0;
    for (int r = n - 1; r >= 0; r--) {
        const cand *c = &f[m->order[r]];
        if (!(c->score > o->threshold)) continue;
        if (count < cap) {
            emoc_face *face = &out[count];
            face->x1 = c->b[0];
            face->y1 = c->b[1];
            face->x2 = c->b[2];
            face->y2 = c->b[3];
            face->score = c->score;
            face->n_landmarks = 5;
            memset(face->landmarks, 0, sizeof face->landmarks);
            for (int j = 0; j < 5; j++) {
                face->landmarks[j][0] = c->lm[2 * j];
                face->landmarks[j][1] = c->lm[2 * j + 1];
            }
        }
        count++;
    }
    *n_out = count;
    return EMOC_OK;
}

const detector_backend emoc_mtcnn_backend = {
    .arch = "mtcnn",
    .n_landmarks = 5,
    .default_threshold = 0.9f,
    .default_min_face = 40,
    .open = mtcnn_open,
    .detect = mtcnn_detect,
    .close = mtcnn_close,
};
