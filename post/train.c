/*
 * train.c — training of the ABAW7 multi-task head (docs/models.md §7.1) on extracted features.
 *
 * Each head (EXPR, VA, AU) is trained on its own, on the samples labelled for its task, with
 * Adam (torch form), mini-batches of `batch` in an order shuffled from the seed, and keeps the
 * epoch with the best validation metric (macro F1, P_VA, mean AU F1 at 0.5). Losses:
 *   EXPR  class-weighted CE (w_c = max count / count_c), mean over the batch, + l2·ΣW²
 *   VA    1 − ½(CCC_V + CCC_A) on the batch (population statistics, +1e-7), + l2·ΣW²
 *   AU    mean over batch×12 of w0^(1−y)·w1^y·BCE, w0 = total/(2·neg), w1 = total/(2·pos)
 * Master weights, gradients and Adam moments are double and live in the caller's scratch; the
 * float head receives the best weights at the end. Single-threaded, hence deterministic.
 */
#include "post/train_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CCC_EPS 1e-7
#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-7

void emoc_train_opts_default(emoc_train_opts *o)
{
    o->lr = 1e-3;
    o->batch = 512;
    o->epochs_expr = 10;
    o->epochs_va = 20;
    o->epochs_au = 10;
    o->l2_expr = 1.0 / 512;
    o->l2_va = 1.0 / 512;
    o->au_hidden = 128;
    o->seed = 1;
    o->threads = 1;
}

void emoc__head_params_bind(emoc__head_params *p, int e, int h, double *b)
{
    size_t d = (size_t)e + EMOC_MTL_N_SCORES;
    p->e = e;
    p->d = (int)d;
    p->h = h;
    p->expr_k = b;  b += d * EMOC_N_EXPR;
    p->expr_b = b;  b += EMOC_N_EXPR;
    p->va_k = b;    b += EMOC_MTL_N_SCORES * 2;
    p->va_b = b;    b += 2;
    p->au1_k = b;   b += d * (size_t)h;
    p->au1_b = b;   b += h;
    p->au2_k = b;   b += (size_t)h * EMOC_N_AU;
    p->au2_b = b;
}

/* [first, end) of a task's tensors in the parameter block. */
static void task_range(emoc_task t, int e, int h, size_t *first, size_t *end)
{
    size_t d = (size_t)e + EMOC_MTL_N_SCORES, expr = d * EMOC_N_EXPR + EMOC_N_EXPR,
           va = EMOC_MTL_N_SCORES * 2 + 2;
    size_t all = emoc_mtl_head_param_count(e, h);
    *first = t == EMOC_TASK_EXPR ? 0 : t == EMOC_TASK_VA ? expr : expr + va;
    *end = t == EMOC_TASK_EXPR ? expr : t == EMOC_TASK_VA ? expr + va : all;
}

static int labelled(emoc_task t, const emoc_mtl_labels *l, size_t i)
{
    if (t == EMOC_TASK_EXPR) return l->expr && l->expr[i] >= 0 && l->expr[i] < EMOC_N_EXPR;
    if (t == EMOC_TASK_VA) return l->va && l->va[2 * i] >= -1.0 && l->va[2 * i + 1] >= -1.0;
    if (!l->au) return 0;
    for (int k = 0; k < EMOC_N_AU; k++)
        if (l->au[i * EMOC_N_AU + k] < 0) return 0;
    return 1;
}

/* ---- forward pieces (double) --------------------------------------------------------------- */

static void expr_logits(const emoc__head_params *p, const float *x, double *z)
{
    for (int c = 0; c < EMOC_N_EXPR; c++) z[c] = p->expr_b[c];
    for (int i = 0; i < p->d; i++) {
        const double *w = p->expr_k + (size_t)i * EMOC_N_EXPR;
        double xi = x[i];
        for (int c = 0; c < EMOC_N_EXPR; c++) z[c] += xi * w[c];
    }
}

static void va_out(const emoc__head_params *p, const float *x, double *y)
{
    const float *s = x + p->e;
    for (int o = 0; o < 2; o++) {
        double z = p->va_b[o];
        for (int i = 0; i < EMOC_MTL_N_SCORES; i++) z += (double)s[i] * p->va_k[i * 2 + o];
        y[o] = tanh(z);
    }
}

/* hidden h[H] and logits z[12] */
static void au_forward(const emoc__head_params *p, const float *x, double *hid, double *z)
{
    int H = p->h;
    for (int j = 0; j < H; j++) hid[j] = p->au1_b[j];
    for (int i = 0; i < p->d; i++) {
        double xi = x[i];
        if (xi == 0.0) continue;
        const double *w = p->au1_k + (size_t)i * H;
        for (int j = 0; j < H; j++) hid[j] += xi * w[j];
    }
    for (int j = 0; j < H; j++) hid[j] = hid[j] > 0.0 ? hid[j] : 0.0;
    for (int k = 0; k < EMOC_N_AU; k++) z[k] = p->au2_b[k];
    for (int j = 0; j < H; j++) {
        if (hid[j] == 0.0) continue;
        const double *w = p->au2_k + (size_t)j * EMOC_N_AU;
        for (int k = 0; k < EMOC_N_AU; k++) z[k] += hid[j] * w[k];
    }
}

/* ---- losses and gradients ------------------------------------------------------------------ */

static double l2_term(const double *w, size_t n, double l2, double *g)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += w[i] * w[i];
        g[i] += 2.0 * l2 * w[i];
    }
    return l2 * s;
}

/* Samples idx[0..b) of a batch of `norm` samples; the L2 term only when with_l2 (once per
 * batch when the batch is split over threads). */
static double expr_loss(const emoc__head_params *p, const emoc__loss_cfg *cfg,
                        const emoc_train_set *set, const size_t *idx, size_t b, double norm,
                        int with_l2, emoc__head_params *g)
{
    double loss = 0.0;
    for (size_t s = 0; s < b; s++) {
        const float *x = set->x + idx[s] * (size_t)set->dim;
        int y = set->labels.expr[idx[s]];
        double z[EMOC_N_EXPR], mx, sum = 0.0;
        expr_logits(p, x, z);
        mx = z[0];
        for (int c = 1; c < EMOC_N_EXPR; c++) mx = z[c] > mx ? z[c] : mx;
        for (int c = 0; c < EMOC_N_EXPR; c++) sum += exp(z[c] - mx);
        double w = cfg->class_w[y];
        loss += w * (log(sum) + mx - z[y]);
        double gz[EMOC_N_EXPR];
        for (int c = 0; c < EMOC_N_EXPR; c++)
            gz[c] = w * (exp(z[c] - mx) / sum - (c == y)) / norm;
        for (int c = 0; c < EMOC_N_EXPR; c++) g->expr_b[c] += gz[c];
        for (int i = 0; i < p->d; i++) {
            double xi = x[i];
            double *gw = g->expr_k + (size_t)i * EMOC_N_EXPR;
            for (int c = 0; c < EMOC_N_EXPR; c++) gw[c] += xi * gz[c];
        }
    }
    return loss / norm +
           (with_l2 ? l2_term(p->expr_k, (size_t)p->d * EMOC_N_EXPR, cfg->l2_expr, g->expr_k) : 0.0);
}

static double va_loss(const emoc__head_params *p, const emoc__loss_cfg *cfg,
                      const emoc_train_set *set, const size_t *idx, size_t b,
                      emoc__head_params *g, double *scratch)
{
    double *y = scratch; /* b×2 predictions */
    for (size_t s = 0; s < b; s++) va_out(p, set->x + idx[s] * (size_t)set->dim, y + 2 * s);
    double loss = 1.0;
    double *gy = scratch + 2 * b; /* dL/dy, b×2 */
    double nb = (double)b;
    for (int o = 0; o < 2; o++) {
        double mx = 0, mt = 0;
        for (size_t s = 0; s < b; s++) {
            mx += y[2 * s + o];
            mt += set->labels.va[2 * idx[s] + o];
        }
        mx /= nb;
        mt /= nb;
        double vx = 0, vt = 0, cov = 0;
        for (size_t s = 0; s < b; s++) {
            double dx = y[2 * s + o] - mx, dt = set->labels.va[2 * idx[s] + o] - mt;
            vx += dx * dx;
            vt += dt * dt;
            cov += dx * dt;
        }
        vx /= nb;
        vt /= nb;
        cov /= nb;
        double num = 2.0 * cov, den = vx + vt + (mx - mt) * (mx - mt) + CCC_EPS;
        loss -= 0.5 * num / den;
        for (size_t s = 0; s < b; s++) {
            double dt = set->labels.va[2 * idx[s] + o] - mt;
            double dnum = 2.0 * dt / nb;
            double dden = (2.0 * (y[2 * s + o] - mx) + 2.0 * (mx - mt)) / nb;
            gy[2 * s + o] = -0.5 * (dnum * den - num * dden) / (den * den);
        }
    }
    for (size_t s = 0; s < b; s++) {
        const float *sc = set->x + idx[s] * (size_t)set->dim + p->e;
        for (int o = 0; o < 2; o++) {
            double gz = gy[2 * s + o] * (1.0 - y[2 * s + o] * y[2 * s + o]);
            g->va_b[o] += gz;
            for (int i = 0; i < EMOC_MTL_N_SCORES; i++) g->va_k[i * 2 + o] += (double)sc[i] * gz;
        }
    }
    return loss + l2_term(p->va_k, EMOC_MTL_N_SCORES * 2, cfg->l2_va, g->va_k);
}

static double au_loss(const emoc__head_params *p, const emoc__loss_cfg *cfg,
                      const emoc_train_set *set, const size_t *idx, size_t b, double norm,
                      emoc__head_params *g, double *scratch)
{
    int H = p->h;
    double *hid = scratch, *gh = scratch + H;
    double loss = 0.0, scale = 1.0 / (norm * EMOC_N_AU);
    for (size_t s = 0; s < b; s++) {
        const float *x = set->x + idx[s] * (size_t)set->dim;
        const int *y = set->labels.au + idx[s] * EMOC_N_AU;
        double z[EMOC_N_AU], gz[EMOC_N_AU];
        au_forward(p, x, hid, z);
        for (int k = 0; k < EMOC_N_AU; k++) {
            double w = y[k] ? cfg->au_w1[k] : cfg->au_w0[k];
            /* stable BCE on logits */
            loss += w * ((z[k] > 0 ? z[k] : 0) - z[k] * y[k] + log1p(exp(-fabs(z[k]))));
            double pk = 1.0 / (1.0 + exp(-z[k]));
            gz[k] = w * (pk - y[k]) * scale;
            g->au2_b[k] += gz[k];
        }
        for (int j = 0; j < H; j++) {
            double *gw = g->au2_k + (size_t)j * EMOC_N_AU;
            const double *w2 = p->au2_k + (size_t)j * EMOC_N_AU;
            double acc = 0.0;
            for (int k = 0; k < EMOC_N_AU; k++) {
                gw[k] += hid[j] * gz[k];
                acc += w2[k] * gz[k];
            }
            gh[j] = hid[j] > 0.0 ? acc : 0.0;
            g->au1_b[j] += gh[j];
        }
        for (int i = 0; i < p->d; i++) {
            double xi = x[i];
            if (xi == 0.0) continue;
            double *gw = g->au1_k + (size_t)i * H;
            for (int j = 0; j < H; j++) gw[j] += xi * gh[j];
        }
    }
    return loss * scale;
}

double emoc__task_loss_grad(emoc_task task, const emoc__head_params *p, const emoc__loss_cfg *cfg,
                            const emoc_train_set *set, const size_t *idx, size_t b,
                            emoc__head_params *grad, double *scratch)
{
    if (b == 0) return 0.0;
    switch (task) {
    case EMOC_TASK_EXPR: return expr_loss(p, cfg, set, idx, b, (double)b, 1, grad);
    case EMOC_TASK_VA: return va_loss(p, cfg, set, idx, b, grad, scratch);
    default: return au_loss(p, cfg, set, idx, b, (double)b, grad, scratch);
    }
}

/* ---- batch split over threads (EXPR, AU) ---------------------------------------------------- */

typedef struct {
    emoc_task task;
    const emoc__head_params *p;
    const emoc__loss_cfg *cfg;
    const emoc_train_set *set;
    const size_t *idx;
    size_t b;
    double norm;
    int first;
    emoc__head_params g;   /* this worker's gradient block */
    double *scratch;
} chunk_job;

static void *chunk_run(void *arg)
{
    chunk_job *j = arg;
    if (j->task == EMOC_TASK_EXPR) expr_loss(j->p, j->cfg, j->set, j->idx, j->b, j->norm, j->first, &j->g);
    else au_loss(j->p, j->cfg, j->set, j->idx, j->b, j->norm, &j->g, j->scratch);
    return NULL;
}

/* Gradient of one batch with T workers: contiguous chunks, each into its own block, summed in
 * worker order — the same result for the same T, whatever the scheduling. */
static void batch_grad_threads(emoc_task t, const emoc__head_params *p, const emoc__loss_cfg *cfg,
                               const emoc_train_set *set, const size_t *idx, size_t b, int T,
                               double *gr, double *gblocks, double *scr, size_t scr_stride,
                               size_t P, size_t lo, size_t hi)
{
    chunk_job jobs[64];
    pthread_t th[64];
    int started[64] = {0};
    if (T > 64) T = 64;
    if ((size_t)T > b) T = (int)b;
    for (int k = 0; k < T; k++) {
        size_t c0 = b * (size_t)k / (size_t)T, c1 = b * (size_t)(k + 1) / (size_t)T;
        double *blk = gblocks + (size_t)k * P;
        memset(blk + lo, 0, (hi - lo) * sizeof(double));
        jobs[k] = (chunk_job){t, p, cfg, set, idx + c0, c1 - c0, (double)b, k == 0, {0}, scr + (size_t)k * scr_stride};
        emoc__head_params_bind(&jobs[k].g, p->e, p->h, blk);
    }
    for (int k = 1; k < T; k++) started[k] = pthread_create(&th[k], NULL, chunk_run, &jobs[k]) == 0;
    chunk_run(&jobs[0]);
    for (int k = 1; k < T; k++) {
        if (started[k]) pthread_join(th[k], NULL);
        else chunk_run(&jobs[k]); /* could not start a thread: same work, same order */
    }
    for (int k = 0; k < T; k++) {
        const double *blk = gblocks + (size_t)k * P;
        for (size_t q = lo; q < hi; q++) gr[q] += blk[q];
    }
}

/* ---- driver -------------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) { return (double)(splitmix(s) >> 11) * 0x1.0p-53; }

static void glorot(double *w, size_t fan_in, size_t fan_out, uint64_t *rng)
{
    double lim = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < fan_in * fan_out; i++) w[i] = (2.0 * uniform01(rng) - 1.0) * lim;
}

static void shuffle(size_t *v, size_t n, uint64_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(splitmix(rng) % i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

static int clamp_threads(int threads) { return threads < 1 ? 1 : threads > 64 ? 64 : threads; }

size_t emoc_train_scratch_size(int dim, int au_hidden, int batch, size_t n_train, size_t n_val,
                               int threads)
{
    if (dim < EMOC_MTL_N_SCORES || au_hidden < 1 || batch < 1) return 0;
    size_t P = emoc_mtl_head_param_count(dim - EMOC_MTL_N_SCORES, au_hidden);
    size_t T = (size_t)clamp_threads(threads), per_thread = T > 1 ? P + 2 * (size_t)au_hidden : 0;
    return 5 * P * sizeof(double) + align8((size_t)batch * ((size_t)au_hidden + 16) * sizeof(double)) +
           align8(n_train * sizeof(size_t)) + n_val * EMOC_N_AU * sizeof(double) +
           align8(emoc_task_scratch_size(n_val)) + T * per_thread * sizeof(double) + 64;
}

/* Validation metric of one task with the double weights. */
static double val_metric(emoc_task task, const emoc__head_params *p, const emoc_train_set *val,
                         double *pred, void *scratch, double *hid)
{
    for (size_t i = 0; i < val->n; i++) {
        const float *x = val->x + i * (size_t)val->dim;
        if (task == EMOC_TASK_VA) {
            va_out(p, x, pred + 2 * i);
        } else if (task == EMOC_TASK_EXPR) {
            expr_logits(p, x, pred + EMOC_N_EXPR * i); /* argmax of logits = of softmax */
        } else {
            double z[EMOC_N_AU];
            au_forward(p, x, hid, z);
            for (int k = 0; k < EMOC_N_AU; k++) pred[EMOC_N_AU * i + k] = 1.0 / (1.0 + exp(-z[k]));
        }
    }
    double v = NAN;
    if (emoc_task_metric(task, pred, &val->labels, NULL, scratch, &v) != EMOC_OK) return NAN;
    return v;
}

static emoc_status fail(emoc_error *err, emoc_status st, const char *msg)
{
    if (err) snprintf(err->msg, sizeof err->msg, "train-head: %s", msg);
    return st;
}

emoc_status emoc_train_head(const emoc_train_opts *opt, const emoc_train_set *train,
                            const emoc_train_set *val, emoc_mtl_head *head, void *scratch,
                            size_t scratch_size, emoc_train_report *rep, emoc_error *err)
{
    if (!opt || !train || !head || !scratch || !rep) return fail(err, EMOC_E_ARG, "NULL argument");
    if (opt->batch < 1 || !(opt->lr > 0) || opt->epochs_expr < 0 || opt->epochs_va < 0 ||
        opt->epochs_au < 0)
        return fail(err, EMOC_E_ARG, "bad options (batch ≥ 1, lr > 0, epochs ≥ 0)");
    if (train->dim != head->in_dim || (val && val->dim != head->in_dim)) {
        if (err)
            snprintf(err->msg, sizeof err->msg,
                     "train-head: features have %d values per frame, the head expects %d",
                     val && val->dim != head->in_dim ? val->dim : train->dim, head->in_dim);
        return EMOC_E_SHAPE;
    }
    if (train->labels.n != train->n || (val && val->labels.n != val->n))
        return fail(err, EMOC_E_ARG, "label count differs from feature count");
    size_t n_val = val ? val->n : 0;
    int T = clamp_threads(opt->threads);
    size_t need = emoc_train_scratch_size(head->in_dim, head->au_hidden, opt->batch, train->n, n_val, T);
    if (scratch_size < need) return fail(err, EMOC_E_ARG, "scratch smaller than emoc_train_scratch_size()");

    int e = head->embedding_size, H = head->au_hidden;
    size_t P = emoc_mtl_head_param_count(e, H);
    unsigned char *sp = (unsigned char *)(((uintptr_t)scratch + 7) & ~(uintptr_t)7);
    double *w = (double *)sp, *gr = w + P, *m = gr + P, *v = m + P, *best = v + P;
    double *bscr = best + P;
    size_t *idx = (size_t *)((unsigned char *)bscr + align8((size_t)opt->batch * ((size_t)H + 16) * sizeof(double)));
    double *vpred = (double *)((unsigned char *)idx + align8(train->n * sizeof(size_t)));
    void *vscr = vpred + n_val * EMOC_N_AU;
    /* per-thread gradient blocks and hidden buffers (T > 1 only) */
    double *gblocks = (double *)((unsigned char *)vscr + align8(emoc_task_scratch_size(n_val)));
    double *tscr = gblocks + (size_t)(T > 1 ? T : 0) * P;

    emoc__head_params p, g;
    emoc__head_params_bind(&p, e, H, w);
    emoc__head_params_bind(&g, e, H, gr);
    uint64_t rng = opt->seed;
    memset(w, 0, P * sizeof(double));
    glorot(p.expr_k, (size_t)p.d, EMOC_N_EXPR, &rng);
    glorot(p.va_k, EMOC_MTL_N_SCORES, 2, &rng);
    glorot(p.au1_k, (size_t)p.d, (size_t)H, &rng);
    glorot(p.au2_k, (size_t)H, EMOC_N_AU, &rng);
    memcpy(best, w, P * sizeof(double));

    /* loss constants from the training labels */
    emoc__loss_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.l2_expr = opt->l2_expr;
    cfg.l2_va = opt->l2_va;
    size_t cnt[EMOC_N_EXPR] = {0}, pos[EMOC_N_AU] = {0}, n_au = 0, maxc = 0;
    for (size_t i = 0; i < train->n; i++) {
        if (labelled(EMOC_TASK_EXPR, &train->labels, i)) cnt[train->labels.expr[i]]++;
        if (labelled(EMOC_TASK_AU, &train->labels, i)) {
            n_au++;
            for (int k = 0; k < EMOC_N_AU; k++) pos[k] += train->labels.au[i * EMOC_N_AU + k] != 0;
        }
    }
    for (int c = 0; c < EMOC_N_EXPR; c++) maxc = cnt[c] > maxc ? cnt[c] : maxc;
    for (int c = 0; c < EMOC_N_EXPR; c++) cfg.class_w[c] = cnt[c] ? (double)maxc / (double)cnt[c] : 0.0;
    for (int k = 0; k < EMOC_N_AU; k++) {
        size_t neg = n_au - pos[k];
        cfg.au_w1[k] = pos[k] ? (double)n_au / (2.0 * (double)pos[k]) : 1.0;
        cfg.au_w0[k] = neg ? (double)n_au / (2.0 * (double)neg) : 1.0;
    }

    memset(rep, 0, sizeof *rep);
    rep->best_f1_expr = rep->best_p_va = rep->best_f1_au = NAN;
    const emoc_task order[3] = {EMOC_TASK_EXPR, EMOC_TASK_VA, EMOC_TASK_AU};
    for (int ti = 0; ti < 3; ti++) {
        emoc_task t = order[ti];
        int epochs = t == EMOC_TASK_EXPR ? opt->epochs_expr : t == EMOC_TASK_VA ? opt->epochs_va : opt->epochs_au;
        size_t n_t = 0;
        for (size_t i = 0; i < train->n; i++)
            if (labelled(t, &train->labels, i)) idx[n_t++] = i;
        if (n_t == 0 || epochs == 0) continue;
        size_t lo, hi;
        task_range(t, e, H, &lo, &hi);
        memset(m + lo, 0, (hi - lo) * sizeof(double));
        memset(v + lo, 0, (hi - lo) * sizeof(double));
        double b1t = 1.0, b2t = 1.0, best_metric = NAN;
        int have = 0, best_epoch = 0;
        for (int ep = 1; ep <= epochs; ep++) {
            shuffle(idx, n_t, &rng);
            for (size_t s = 0; s < n_t; s += (size_t)opt->batch) {
                size_t b = n_t - s < (size_t)opt->batch ? n_t - s : (size_t)opt->batch;
                memset(gr + lo, 0, (hi - lo) * sizeof(double));
                if (T > 1 && t != EMOC_TASK_VA) /* VA's CCC needs the whole batch at once */
                    batch_grad_threads(t, &p, &cfg, train, idx + s, b, T, gr, gblocks, tscr,
                                       2 * (size_t)H, P, lo, hi);
                else
                    emoc__task_loss_grad(t, &p, &cfg, train, idx + s, b, &g, bscr);
                b1t *= ADAM_B1;
                b2t *= ADAM_B2;
                for (size_t q = lo; q < hi; q++) {
                    m[q] = ADAM_B1 * m[q] + (1.0 - ADAM_B1) * gr[q];
                    v[q] = ADAM_B2 * v[q] + (1.0 - ADAM_B2) * gr[q] * gr[q];
                    double mh = m[q] / (1.0 - b1t), vh = v[q] / (1.0 - b2t);
                    w[q] -= opt->lr * mh / (sqrt(vh) + ADAM_EPS);
                }
            }
            double metric = val && n_val ? val_metric(t, &p, val, vpred, vscr, bscr) : NAN;
            /* without a validation metric the last epoch wins */
            int take = isnan(metric) ? !have : (!have || metric > best_metric);
            if (take) {
                memcpy(best + lo, w + lo, (hi - lo) * sizeof(double));
                best_epoch = ep;
                if (!isnan(metric)) {
                    have = 1;
                    best_metric = metric;
                }
            }
        }
        if (t == EMOC_TASK_EXPR) rep->best_epoch_expr = best_epoch, rep->best_f1_expr = best_metric;
        if (t == EMOC_TASK_VA) rep->best_epoch_va = best_epoch, rep->best_p_va = best_metric;
        if (t == EMOC_TASK_AU) rep->best_epoch_au = best_epoch, rep->best_f1_au = best_metric;
    }
    float *tensors[8] = {head->expr_kernel, head->expr_bias, head->va_kernel, head->va_bias,
                         head->au1_kernel,  head->au1_bias,  head->au2_kernel, head->au2_bias};
    size_t d = (size_t)p.d;
    size_t sizes[8] = {d * EMOC_N_EXPR, EMOC_N_EXPR, EMOC_MTL_N_SCORES * 2, 2,
                       d * (size_t)H, (size_t)H, (size_t)H * EMOC_N_AU, EMOC_N_AU};
    size_t off = 0;
    for (int k = 0; k < 8; k++) {
        for (size_t i = 0; i < sizes[k]; i++) tensors[k][i] = (float)best[off + i];
        off += sizes[k];
    }
    return EMOC_OK;
}
