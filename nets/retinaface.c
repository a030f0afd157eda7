/*
 * retinaface.c — the RetinaFace detector back-end (nets/detector.h): the network at the frame's
 * native size (one plan per frame size, rebuilt when the size changes; nothing is allocated for
 * further frames of the same size), then detect.py's post-processing (retinaface_post.c).
 * Faces are reported in upstream's order when score ≥ threshold (detect.py skips
 * `b[4] < vis_thres`) and x2 − x1 ≥ min_face.
 */
#include "nets/retinaface.h"

#include "engine/core/core.h"
#include "engine/core/subnet.h"
#include "nets/detector.h"

#include <string.h>
#include <time.h>

typedef struct rf_state {
    const emw_file *f;
    emoc_allocator alloc;
    emoc_isa isa;
    emoc_pool *pool;
    rf_config cfg;
    int leaky;
    /* per frame size */
    int w, h;
    emoc_subnet *net;
    uint8_t *arena;
    size_t P;
    float *priors, *loc, *conf, *landms;
    int raw_ready;          /* loc/conf/landms hold the last frame's outputs */
    rf_scratch s;
    rf_timing t;
    emoc_trace_fn trace;
    void *trace_user;
} rf_state;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *grab(rf_state *r, size_t bytes, emoc_status *st)
{
    void *p = *st ? NULL : emoc__alloc(&r->alloc, bytes ? bytes : 1, 64);
    if (!p && !*st) *st = EMOC_E_NOMEM;
    return p;
}

static void free_size_state(rf_state *r)
{
    emoc__subnet_free(r->net);
    r->net = NULL;
    void *bufs[] = {r->arena, r->priors, r->loc, r->conf, r->landms, r->s.boxes, r->s.landms,
                    r->s.scores, r->s.dets, r->s.kept, r->s.idx, r->s.order2, r->s.keep};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) emoc__free(&r->alloc, bufs[i]);
    r->arena = NULL;
    r->priors = r->loc = r->conf = r->landms = NULL;
    memset(&r->s, 0, sizeof r->s);
    r->w = r->h = 0;
    r->P = 0;
    r->raw_ready = 0;
}

static void rf_close(void *state)
{
    rf_state *r = state;
    if (!r) return;
    free_size_state(r);
    if (r->pool) emoc__subnet_pool_free(r->pool);
    emoc_allocator a = r->alloc;
    emoc__free(&a, r);
}

/* Reads the post-processing constants the converter wrote; every one is checked. */
static emoc_status read_config(const emw_file *f, rf_config *c, int *leaky, emoc_error *err)
{
    const emw_meta *ms = emw_find_meta(f, "retinaface.min_sizes");
    const emw_meta *st = emw_find_meta(f, "retinaface.steps");
    const emw_meta *va = emw_find_meta(f, "retinaface.variance");
    const emw_meta *ac = emw_find_meta(f, "retinaface.activation");
    const emw_meta *ct = emw_find_meta(f, "retinaface.confidence_threshold");
    const emw_meta *tk = emw_find_meta(f, "retinaface.top_k");
    const emw_meta *nt = emw_find_meta(f, "retinaface.nms_threshold");
    const emw_meta *kk = emw_find_meta(f, "retinaface.keep_top_k");
    if (!ms || ms->type != EMW_T_I64_ARRAY || ms->count != 6 || !st ||
        st->type != EMW_T_I64_ARRAY || st->count != 3 || !va || va->type != EMW_T_F64_ARRAY ||
        va->count != 2 || !ac || ac->type != EMW_T_STR || !ct || ct->type != EMW_T_F64 || !tk ||
        tk->type != EMW_T_I64 || !nt || nt->type != EMW_T_F64 || !kk || kk->type != EMW_T_I64)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "RetinaFace metadata is incomplete: needs retinaface.min_sizes (6 "
                          "ints), .steps (3), .variance (2 floats), .activation, "
                          ".confidence_threshold, .top_k, .nms_threshold, .keep_top_k (written "
                          "by emoc convert)");
    for (int k = 0; k < 6; k++) {
        if (ms->i64s[k] < 1 || ms->i64s[k] > 4096)
            return emoc__fail(err, EMOC_E_FORMAT, "retinaface.min_sizes[%d] = %lld is not in "
                              "[1, 4096]", k, (long long)ms->i64s[k]);
        c->min_sizes[k / 2][k % 2] = (int)ms->i64s[k];
    }
    static const int STEPS[3] = {8, 16, 32}; /* the network's strides: only these make sense */
    for (int k = 0; k < 3; k++) {
        if (st->i64s[k] != STEPS[k])
            return emoc__fail(err, EMOC_E_FORMAT, "retinaface.steps[%d] = %lld, the network's "
                              "stride is %d", k, (long long)st->i64s[k], STEPS[k]);
        c->steps[k] = STEPS[k];
    }
    c->variance[0] = (float)va->f64s[0];
    c->variance[1] = (float)va->f64s[1];
    c->conf_threshold = (float)ct->f64;
    c->nms_threshold = (float)nt->f64;
    if (tk->i64 < 1 || tk->i64 > 1000000 || kk->i64 < 1 || kk->i64 > 1000000)
        return emoc__fail(err, EMOC_E_FORMAT, "retinaface.top_k %lld / keep_top_k %lld not in "
                          "[1, 10^6]", (long long)tk->i64, (long long)kk->i64);
    c->top_k = (int)tk->i64;
    c->keep_top_k = (int)kk->i64;
    if (!strcmp(ac->str, "leaky_relu_0.1")) *leaky = 1;
    else if (!strcmp(ac->str, "relu")) *leaky = 0;
    else
        return emoc__fail(err, EMOC_E_FORMAT, "retinaface.activation '%s' is neither "
                          "leaky_relu_0.1 nor relu", ac->str);
    return EMOC_OK;
}

static emoc_status rf_open(const emw_file *f, const emoc_options *opt, void **state,
                           emoc_error *err)
{
    const emoc_allocator *a = opt && opt->allocator ? opt->allocator : &emoc__default_allocator;
    rf_state *r = emoc__alloc(a, sizeof(*r), 64);
    if (!r) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->alloc = *a;
    r->isa = opt ? opt->isa : EMOC_ISA_AUTO;
    emoc_status st = read_config(f, &r->cfg, &r->leaky, err);
    if (!st) {
        st = emoc__subnet_pool_create(&r->alloc, 1, &r->pool);
        if (st) emoc__fail(err, st, "out of memory creating the thread pool");
    }
    /* Build one small plan now so every tensor is checked at load time. */
    rf_plan_args probe = {32, 32, r->leaky};
    emoc_subnet *p = NULL;
    if (!st) st = emoc__subnet_create(f, "retinaface", NULL, rf_build_plan, &probe, &r->alloc,
                                     r->isa, &p, err);
    emoc__subnet_free(p);
    if (st) {
        rf_close(r);
        return st;
    }
    *state = r;
    return EMOC_OK;
}

static emoc_status prepare_size(rf_state *r, int w, int h, emoc_error *err)
{
    if (r->w == w && r->h == h) return EMOC_OK;
    free_size_state(r);
    rf_plan_args args = {h, w, r->leaky};
    emoc_status st = emoc__subnet_create(r->f, "retinaface", NULL, rf_build_plan, &args,
                                        &r->alloc, r->isa, &r->net, err);
    if (st) return st;
    size_t P = rf_prior_count(&r->cfg, h, w);
    r->arena = grab(r, emoc__subnet_arena_size(r->net, 1), &st);
    r->priors = grab(r, P * 4 * sizeof(float), &st);
    r->loc = grab(r, P * 4 * sizeof(float), &st);
    r->conf = grab(r, P * 2 * sizeof(float), &st);
    r->landms = grab(r, P * 10 * sizeof(float), &st);
    r->s.boxes = grab(r, P * 4 * sizeof(float), &st);
    r->s.landms = grab(r, P * 10 * sizeof(float), &st);
    r->s.scores = grab(r, P * sizeof(float), &st);
    r->s.dets = grab(r, P * 15 * sizeof(float), &st);
    r->s.kept = grab(r, RF_KEPT_FLOATS(P) * sizeof(float), &st);
    r->s.idx = grab(r, P * sizeof(int), &st);
    r->s.order2 = grab(r, P * sizeof(int), &st);
    r->s.keep = grab(r, P * sizeof(int), &st);
    if (st) {
        free_size_state(r);
        return emoc__fail(err, st, "out of memory for a %dx%d frame (%zu priors)", w, h, P);
    }
    r->s.cap = P;
    r->P = P;
    rf_priors(&r->cfg, h, w, r->priors);
    r->w = w;
    r->h = h;
    return EMOC_OK;
}

/* The network's three heads for this frame (NHWC, RF_HEAD_CH channels). */
static void heads_of(const rf_state *r, const float *heads[3], int hh[3], int hw[3])
{
    for (int k = 0; k < 3; k++)
        heads[k] = emoc__subnet_output(r->net, r->arena, k, &hh[k], &hw[k], NULL);
}

/* The network on one RGB frame; the heads stay in the arena until the next frame. */
static void forward(rf_state *r, const emoc_image *rgb)
{
    uint64_t t0 = now_ns();
    int h, w;
    float *in = emoc__subnet_input(r->net, r->arena, &h, &w, NULL);
    const uint8_t *px = rgb->pixels;
    size_t n = (size_t)h * (size_t)w;
    for (size_t i = 0; i < n; i++) { /* BGR − (104, 117, 123), exact in float */
        in[3 * i + 0] = (float)px[3 * i + 2] - 104.0f;
        in[3 * i + 1] = (float)px[3 * i + 1] - 117.0f;
        in[3 * i + 2] = (float)px[3 * i + 0] - 123.0f;
    }
    uint64_t t1 = now_ns();
    if (r->trace) emoc__subnet_run_traced(r->net, r->arena, r->pool, r->trace, r->trace_user);
    else emoc__subnet_run(r->net, r->arena, r->pool);
    r->t.prep = t1 - t0;
    r->t.net = now_ns() - t1;
}

/* detect.py's post-processing on the heads; returns the kept count (rows in r->s.keep). */
static int postprocess(rf_state *r)
{
    const float *heads[3];
    int hh[3], hw[3];
    heads_of(r, heads, hh, hw);
    uint64_t t0 = now_ns();
    int m = rf_select(&r->cfg, r->h, r->w, r->priors, heads, hh, hw, &r->s);
    uint64_t t1 = now_ns();
    int k = rf_sort_top_k(&r->cfg, m, &r->s);
    uint64_t t2 = now_ns();
    int n = rf_nms(&r->cfg, r->s.dets, k, &r->s);
    r->t.select = t1 - t0;
    r->t.sort = t2 - t1;
    r->t.nms = now_ns() - t2;
    return n;
}

static emoc_status rf_detect(void *state, const emoc_image *rgb, const emoc_detect_options *o,
                             emoc_face *out, int cap, int *n, emoc_error *err)
{
    rf_state *r = state;
    emoc_status st = prepare_size(r, rgb->width, rgb->height, err);
    if (st) return st;
    forward(r, rgb);
    r->raw_ready = 0;
    int kept = postprocess(r);
    int count = 0;
    for (int i = 0; i < kept; i++) {
        const float *d = r->s.dets + 15 * (size_t)r->s.keep[i];
        if ((double)d[4] < (double)o->threshold) continue;
        if (o->min_face > 0 && d[2] - d[0] < (float)o->min_face) continue;
        if (count < cap) {
            emoc_face *fc = &out[count];
            memset(fc, 0, sizeof *fc);
            fc->x1 = d[0];
            fc->y1 = d[1];
            fc->x2 = d[2];
            fc->y2 = d[3];
            fc->score = d[4];
            fc->n_landmarks = 5;
            for (int k = 0; k < 5; k++) {
                fc->landmarks[k][0] = d[5 + 2 * k];
                fc->landmarks[k][1] = d[6 + 2 * k];
            }
        }
        count++;
    }
    *n = count;
    return EMOC_OK;
}

static int rf_raw(void *state, int k, const char **name, const float **data, size_t *rows,
                  int *cols)
{
    rf_state *r = state;
    if (!r || !r->P || k < 0 || k > 2) return 0;
    if (!r->raw_ready) { /* upstream's loc/conf/landms, gathered only when asked for */
        const float *heads[3];
        int hh[3], hw[3];
        heads_of(r, heads, hh, hw);
        rf_gather_outputs(heads, hh, hw, r->loc, r->conf, r->landms);
        r->raw_ready = 1;
    }
    static const char *const NAMES[3] = {"loc", "conf", "landms"};
    static const int COLS[3] = {4, 2, 10};
    const float *const D[3] = {r->loc, r->conf, r->landms};
    *name = NAMES[k];
    *data = D[k];
    *rows = r->P;
    *cols = COLS[k];
    return 1;
}

const rf_timing *rf_last_timing(const void *state) { return &((const rf_state *)state)->t; }

void rf_set_trace(void *state, emoc_trace_fn fn, void *user)
{
    rf_state *r = state;
    r->trace = fn;
    r->trace_user = user;
}

int rf_op_count(const void *state)
{
    const rf_state *r = state;
    return r->net ? emoc__subnet_op_count(r->net) : 0;
}

emoc_isa rf_isa(const void *state)
{
    const rf_state *r = state;
    return r->net ? emoc__subnet_isa(r->net) : EMOC_ISA_AUTO;
}

const detector_backend emoc__retinaface_backend = {
    .arch = "retinaface",
    .n_landmarks = 5,
    .default_threshold = 0.6f,
    .default_min_face = 0,
    .open = rf_open,
    .detect = rf_detect,
    .close = rf_close,
    .raw = rf_raw,
};
