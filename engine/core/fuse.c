/*
 * fuse.c — a reduced-precision expansion GEMM and the depthwise conv that alone reads its output,
 * run together by bands of rows (docs/precision.md §4.4).
 *
 * EfficientNet's inverted-residual blocks expand 16–40 channels to 6× as many with a 1×1 conv
 * (+ SiLU), and only the following depthwise conv reads that tensor: 4.8 MB at B0's 112² stage
 * (B2: 5.8 MB), far more than L2, so the expansion's stores and the depthwise conv's loads both
 * go to L3. Here the depthwise output rows are cut into bands; for each band the expansion
 * computes only the input rows the band needs that the previous band did not (the kh − sh rows
 * they share are moved to the front of the band buffer), into per-thread scratch, and the
 * depthwise kernel reads them from there while they are still in L2.
 *
 * The result is bitwise the unfused one: the GEMM kernels give each pixel row the same bits for
 * any pixel range (kernels.h, split invariance), and the depthwise kernel is called on the band
 * with its rows renumbered (pad_t + r_lo, ih = rows held), which leaves every output element
 * the same chain over the same valid taps (the renumbered band holds every row in [0, ih) the
 * band's outputs read, and no other). Traced runs (per-op timing, the precision tools' layer
 * dumps) execute the two ops separately, so each op's output stays observable.
 */
#include "engine/core/ops.h"

#include <stdlib.h>
#include <string.h>

/* Default rule (docs/precision.md §4.4): a stride-2 depthwise conv whose expanded input is at
 * least FUSE_MIN_BYTES; bands of about FUSE_BAND_BYTES of expanded rows per thread. Stride-1
 * pairs and smaller tensors measured no gain (they re-read kh − sh of every band's rows). */
#define FUSE_MIN_BYTES (512u * 1024u)
#define FUSE_BAND_BYTES (192u * 1024u)

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* Input rows a band of bh output rows holds at most. */
static int band_rows(const emoc_dwconv_args *d, int bh) { return (bh - 1) * d->sh + d->kh; }

/* Band height (depthwise output rows) for band_bytes of expanded rows. */
static int band_height(const emoc_dwconv_args *d, size_t band_bytes)
{
    size_t row = (size_t)d->iw * (size_t)d->c * sizeof(float);
    size_t fit = band_bytes / row;
    size_t h = fit > (size_t)d->kh ? (fit - (size_t)d->kh) / (size_t)d->sh + 1 : 1;
    return h < (size_t)d->oh ? (int)h : d->oh;
}

typedef struct {
    const emoc__gemm_lp_params *g;
    const emoc__dwconv_params *d;
    const float *x;  /* expansion input, K floats per pixel */
    float *y;        /* depthwise output */
    float *scratch;
    size_t per_thread;
    int n_tasks, bh;
} fuse_job;

/* Scratch of one thread: [dq: N][row_sx: new rows·iw][xq: new rows·iw rows][band: rows·iw·N]. */
typedef struct {
    float *dq, *row_sx, *band;
    unsigned char *xq;
} fuse_scratch;

static size_t scratch_layout(const emoc__gemm_lp_params *g, const emoc_dwconv_args *d, int bh,
                             float *base, fuse_scratch *s)
{
    size_t pix = (size_t)band_rows(d, bh) * (size_t)d->iw;
    size_t o_sx = round16((size_t)g->a.N), o_xq = o_sx + round16(pix);
    size_t o_band = o_xq + round16((pix * g->a.xq_stride + 3) / 4);
    if (s) {
        s->dq = base;
        s->row_sx = base + o_sx;
        s->xq = (unsigned char *)(base + o_xq);
        s->band = base + o_band;
    }
    return o_band + pix * (size_t)d->c;
}

/* Expanded rows [r0, r1) into band row (r0 − r_lo). */
static void expand_rows(const fuse_job *j, const fuse_scratch *s, int r_lo, int r0, int r1)
{
    const emoc__gemm_lp_params *g = j->g;
    const int iw = j->d->a.iw, K = g->a.K, N = g->a.N;
    size_t p0 = (size_t)r0 * (size_t)iw, np = (size_t)(r1 - r0) * (size_t)iw;
    float inv_sx = g->sx > 0.0f ? 1.0f / g->sx : 0.0f;
    g->quant(j->x + p0 * (size_t)K, (size_t)K, NULL, inv_sx, s->row_sx, K, s->xq, g->a.xq_stride,
             0, np);
    emoc_gemm_lp_args a = g->a;
    a.xq = s->xq;
    a.y = s->band + (size_t)(r0 - r_lo) * (size_t)iw * (size_t)N;
    if (g->sw) {
        a.dq = s->dq;
        a.row_sx = s->row_sx;
    }
    g->fn(&a, 0, np, 0, N);
}

static void fuse_task(void *arg, int t)
{
    const fuse_job *j = arg;
    const emoc_dwconv_args *d = &j->d->a;
    const int bh = j->bh;
    int oy_lo, oy_hi;
    emoc__split(d->oh, j->n_tasks, t, &oy_lo, &oy_hi);
    if (oy_hi <= oy_lo) return;
    fuse_scratch s;
    scratch_layout(j->g, d, bh, j->scratch + (size_t)t * j->per_thread, &s);
    const emoc__gemm_lp_params *g = j->g;
    if (g->sw)
        for (int n = 0; n < g->a.N; n++) s.dq[n] = g->sx > 0.0f ? g->sx * g->sw[n] : g->sw[n];
    const size_t row_floats = (size_t)d->iw * (size_t)d->c;
    int have_lo = 0, have_hi = 0; /* expanded rows held in the band buffer */
    for (int oy0 = oy_lo; oy0 < oy_hi; oy0 += bh) {
        int oy1 = oy0 + bh < oy_hi ? oy0 + bh : oy_hi;
        int r_lo = oy0 * d->sh - d->pad_t, r_hi = (oy1 - 1) * d->sh - d->pad_t + d->kh;
        if (r_lo < 0) r_lo = 0;
        if (r_hi > d->ih) r_hi = d->ih;
        /* bands move down (r_lo ≥ have_lo): rows [r_lo, have_hi) are held already */
        int keep = have_hi > r_lo ? have_hi - r_lo : 0;
        if (keep > 0)
            memmove(s.band, s.band + (size_t)(r_lo - have_lo) * row_floats,
                    (size_t)keep * row_floats * sizeof(float));
        if (r_lo + keep < r_hi) expand_rows(j, &s, r_lo, r_lo + keep, r_hi);
        have_lo = r_lo, have_hi = r_hi;
        emoc_dwconv_args a = *d;
        a.x = s.band;
        a.x_pstride = (size_t)d->c;
        a.ih = r_hi - r_lo;
        a.pad_t = d->pad_t + r_lo;
        a.y = j->y;
        j->d->fn(&a, oy0, oy1);
    }
}

void emoc__exec_expand_dw(const emoc_op *e, const emoc_op *dw, const emoc_exec_ctx *ctx)
{
    fuse_job j = {(const emoc__gemm_lp_params *)e->params, (const emoc__dwconv_params *)dw->params,
                  emoc__buf_ptr(ctx, e->in[0]), emoc__buf_ptr(ctx, dw->out), ctx->scratch,
                  ctx->scratch_per_thread, 1, e->fuse_next};
    /* one task per thread: task t owns scratch slot t */
    int threads = emoc__pool_threads(ctx->pool);
    j.n_tasks = threads < j.d->a.oh ? threads : j.d->a.oh;
    emoc__parallel_for(ctx->pool, j.n_tasks, fuse_task, &j);
}

/* EMOC_FUSE: unset = the default rule; "0" = no fusion (A/B timing); "all" = every eligible
 * pair whatever its stride and size (tests). EMOC_FUSE_BAND_BYTES overrides the band size. */
static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? (size_t)strtoull(v, NULL, 10) : dflt;
}

void emoc__plan_fuse(emoc_plan *p)
{
    const char *mode = getenv("EMOC_FUSE");
    if (mode && strcmp(mode, "0") == 0) return;
    const int all = mode && strcmp(mode, "all") == 0;
    const size_t band_bytes = env_size("EMOC_FUSE_BAND_BYTES", FUSE_BAND_BYTES);
    for (int i = 0; i + 1 < p->n_ops; i++) {
        emoc_op *e = &p->ops[i], *dw = &p->ops[i + 1];
        if (e->exec != emoc__exec_gemm_lp || dw->exec != emoc__exec_dwconv) continue;
        const emoc__gemm_lp_params *g = (const emoc__gemm_lp_params *)e->params;
        const emoc__dwconv_params *d = (const emoc__dwconv_params *)dw->params;
        const emoc_buffer *eb = &p->bufs[e->out];
        if (g->scale_buf >= 0 || g->residual_buf >= 0 || dw->in[0] != e->out || d->c0 != 0 ||
            d->a.c != g->a.N || d->a.x_pstride != (size_t)g->a.N || eb->last_op != i + 1 ||
            e->out == p->scores_buf || e->out == p->embedding_buf)
            continue;
        if (!all && (d->a.sh != 2 || eb->bytes < FUSE_MIN_BYTES)) continue;
        int kept = 0;
        for (int k = 0; k < p->n_extra_out; k++) kept |= p->extra_out[k] == e->out;
        if (kept) continue;
        const int bh = band_height(&d->a, band_bytes);
        size_t need = scratch_layout(g, &d->a, bh, NULL, NULL);
        if (need > dw->scratch_floats) dw->scratch_floats = need;
        /* the expansion's input is read while the depthwise output is written: keep the two
         * apart in the arena (the planner would otherwise let them share bytes) */
        if (p->bufs[e->in[0]].last_op < i + 1) p->bufs[e->in[0]].last_op = i + 1;
        e->fuse_next = bh;
        i++;
    }
}
