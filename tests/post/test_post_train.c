/* test_post_train.c — MTL head training: analytic gradients against central differences,
 * bitwise determinism for a seed, and on the synthetic set of
 * tools/reference/post/gen_train_ref.py the validation metrics of a PyTorch run of the same
 * recipe (3 seeds) within a stated margin. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emoc_abaw.h"
#include "post/train_internal.h"
#include "refdata.h"

/* ---- the generator of gen_train_ref.py, operation for operation ---------------------------- */

enum { E = 16, D = E + 10, N_TRAIN = 3000, N_VAL = 1000 };

static uint64_t sm_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double sm_u(uint64_t *s) { return (double)(sm_next(s) >> 11) * 0x1.0p-53; }
static double sm_gauss(uint64_t *s)
{
    double u1 = sm_u(s), u2 = sm_u(s);
    return sqrt(-2.0 * log(u1 + 1e-300)) * cos(2.0 * M_PI * u2);
}

typedef struct {
    float *x;
    double *va;
    int *ex, *au;
    size_t n;
} dataset;

static void make_set(uint64_t *r, double mu[8][E], size_t n, dataset *d)
{
    d->n = n;
    d->x = malloc(n * D * sizeof(float));
    d->va = malloc(n * 2 * sizeof(double));
    d->ex = malloc(n * sizeof(int));
    d->au = malloc(n * 12 * sizeof(int));
    for (size_t i = 0; i < n; i++) {
        int c = (int)(sm_u(r) * 8);
        if (c > 7) c = 7;
        double x[E], s[10];
        for (int j = 0; j < E; j++) x[j] = mu[c][j] + sm_gauss(r);
        double tv = 0.8 * (2 * sm_u(r) - 1), ta = 0.8 * (2 * sm_u(r) - 1);
        for (int k = 0; k < 8; k++) s[k] = (k == c ? 2.0 : 0.0) + 0.5 * sm_gauss(r);
        s[8] = tv + 0.2 * sm_gauss(r);
        s[9] = ta + 0.2 * sm_gauss(r);
        for (int j = 0; j < E; j++) d->x[i * D + j] = (float)x[j];
        for (int k = 0; k < 10; k++) d->x[i * D + E + k] = (float)s[k];
        for (int k = 0; k < 12; k++)
            d->au[i * 12 + k] = x[k] - 0.5 * x[(k + 5) % E] + 0.5 * sm_gauss(r) > 0.2 * k - 0.8;
        d->ex[i] = c;
        d->va[2 * i] = tv;
        d->va[2 * i + 1] = ta;
        double m = sm_u(r);
        if (m < 0.1) d->ex[i] = -1;
        else if (m < 0.2) d->va[2 * i] = d->va[2 * i + 1] = -5;
        else if (m < 0.3) d->au[i * 12 + (int)(sm_u(r) * 12) % 12] = -1;
    }
}

static void make_data(dataset *tr, dataset *va)
{
    uint64_t r = 2026;
    double mu[8][E];
    for (int c = 0; c < 8; c++)
        for (int j = 0; j < E; j++) mu[c][j] = 1.5 * sm_gauss(&r);
    make_set(&r, mu, N_TRAIN, tr);
    make_set(&r, mu, N_VAL, va);
}

static void free_set(dataset *d)
{
    free(d->x);
    free(d->va);
    free(d->ex);
    free(d->au);
}

static emoc_train_set as_train_set(const dataset *d)
{
    emoc_train_set s = {d->n, D, d->x, {d->n, d->va, d->ex, d->au}};
    return s;
}

/* ---- gradient check ------------------------------------------------------------------------ */

Test(post_train, gradients_match_central_differences)
{
    int e = 3, h = 5, d = e + 10;
    size_t P = emoc_mtl_head_param_count(e, h), n = 9;
    double *w = malloc(P * sizeof(double)), *g = calloc(P, sizeof(double));
    uint64_t r = 7;
    for (size_t i = 0; i < P; i++) w[i] = 0.8 * (2 * sm_u(&r) - 1);
    float *x = malloc(n * d * sizeof(float));
    double va[18];
    int ex[9], au[9 * 12];
    for (size_t i = 0; i < n * d; i++) x[i] = (float)sm_gauss(&r);
    for (size_t i = 0; i < n; i++) {
        ex[i] = (int)(sm_u(&r) * 8) % 8;
        va[2 * i] = 2 * sm_u(&r) - 1;
        va[2 * i + 1] = 2 * sm_u(&r) - 1;
        for (int k = 0; k < 12; k++) au[i * 12 + k] = sm_u(&r) < 0.4;
    }
    emoc_train_set set = {n, d, x, {n, va, ex, au}};
    size_t idx[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    emoc__loss_cfg cfg = {.l2_expr = 0.05, .l2_va = 0.03};
    for (int c = 0; c < 8; c++) cfg.class_w[c] = 1.0 + 0.25 * c;
    for (int k = 0; k < 12; k++) cfg.au_w0[k] = 0.7 + 0.05 * k, cfg.au_w1[k] = 1.6 - 0.05 * k;
    double scratch[9 * (5 + 16)];
    emoc__head_params p, gp;
    emoc__head_params_bind(&p, e, h, w);
    emoc__head_params_bind(&gp, e, h, g);
    for (int t = 0; t < 3; t++) {
        memset(g, 0, P * sizeof(double));
        emoc__task_loss_grad((emoc_task)t, &p, &cfg, &set, idx, n, &gp, scratch);
        size_t checked = 0;
        for (size_t q = 0; q < P; q++) {
            double keep = w[q], eps = 1e-6;
            double dummy[4096];
            emoc__head_params dg;
            cr_assert(P <= 4096);
            emoc__head_params_bind(&dg, e, h, dummy);
            w[q] = keep + eps;
            double lp = emoc__task_loss_grad((emoc_task)t, &p, &cfg, &set, idx, n, &dg, scratch);
            w[q] = keep - eps;
            double lm = emoc__task_loss_grad((emoc_task)t, &p, &cfg, &set, idx, n, &dg, scratch);
            w[q] = keep;
            double num = (lp - lm) / (2 * eps);
            cr_assert(fabs(num - g[q]) <= 1e-6 * fmax(1.0, fabs(num)),
                      "task %d param %zu: analytic %.10g numeric %.10g", t, q, g[q], num);
            checked += g[q] != 0.0;
        }
        cr_assert(checked > 10, "task %d: gradient has %zu non-zero entries", t, checked);
    }
    free(w);
    free(g);
    free(x);
}

/* ---- training runs -------------------------------------------------------------------------- */

static float *train_once(const dataset *tr, const dataset *va, uint64_t seed, int ep_expr,
                         int ep_va, int ep_au, int threads, emoc_train_report *rep,
                         emoc_mtl_head *head)
{
    emoc_train_opts o;
    emoc_train_opts_default(&o);
    o.seed = seed;
    o.epochs_expr = ep_expr;
    o.epochs_va = ep_va;
    o.epochs_au = ep_au;
    size_t P = emoc_mtl_head_param_count(E, o.au_hidden);
    float *params = malloc(P * sizeof(float));
    cr_assert_eq(emoc_mtl_head_view(head, E, o.au_hidden, "synthetic", params), EMOC_OK);
    o.threads = threads;
    size_t ss = emoc_train_scratch_size(D, o.au_hidden, o.batch, tr->n, va->n, threads);
    void *scratch = malloc(ss);
    emoc_train_set ts = as_train_set(tr), vs = as_train_set(va);
    emoc_error err;
    cr_assert_eq(emoc_train_head(&o, &ts, &vs, head, scratch, ss, rep, &err), EMOC_OK, "%s", err.msg);
    free(scratch);
    return params;
}

Test(post_train, same_seed_same_bits)
{
    dataset tr, va;
    make_data(&tr, &va);
    tr.n = va.n = 600; /* a short run is enough to compare bits */
    emoc_train_report r1, r2, r3;
    emoc_mtl_head h1, h2, h3;
    float *a = train_once(&tr, &va, 42, 2, 3, 2, 1, &r1, &h1);
    float *b = train_once(&tr, &va, 42, 2, 3, 2, 1, &r2, &h2);
    float *c = train_once(&tr, &va, 43, 2, 3, 2, 1, &r3, &h3);
    size_t P = emoc_mtl_head_param_count(E, 128);
    cr_assert_eq(memcmp(a, b, P * sizeof(float)), 0, "same seed → same weights");
    cr_assert_neq(memcmp(a, c, P * sizeof(float)), 0, "another seed → other weights");
    /* three workers: bitwise reproducible, and the same training up to summation order */
    float *d = train_once(&tr, &va, 42, 2, 3, 2, 3, &r1, &h1);
    float *e = train_once(&tr, &va, 42, 2, 3, 2, 3, &r2, &h2);
    cr_assert_eq(memcmp(d, e, P * sizeof(float)), 0, "same seed and thread count → same weights");
    double maxdiff = 0;
    for (size_t i = 0; i < P; i++) maxdiff = fmax(maxdiff, fabs((double)d[i] - a[i]));
    cr_assert(maxdiff < 1e-4, "threads change only rounding (max diff %g)", maxdiff);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free_set(&tr);
    free_set(&va);
}

Test(post_train, matches_pytorch_reference_on_synthetic_set, .timeout = 60)
{
    refdata *R = refdata_load("train_ref.txt");
    dataset tr, va;
    make_data(&tr, &va);
    const double *row = refdata_get(R, "data.first_row", NULL);
    for (int j = 0; j < D; j++) cr_assert_eq(tr.x[j], (float)row[j], "generator drift at %d", j);
    row = refdata_get(R, "data.last_val_row", NULL);
    for (int j = 0; j < D; j++) cr_assert_eq(va.x[(N_VAL - 1) * D + j], (float)row[j]);
    emoc_train_report rep;
    emoc_mtl_head head;
    float *params = train_once(&tr, &va, 1, 100, 500, 20, 1, &rep, &head);
    /* Margin: within 0.02 of the worst and best of 3 PyTorch seeds. */
    const char *keys[3] = {"torch.f1_expr", "torch.p_va", "torch.f1_au"};
    double got[3] = {rep.best_f1_expr, rep.best_p_va, rep.best_f1_au};
    for (int k = 0; k < 3; k++) {
        const double *t = refdata_get(R, keys[k], NULL);
        double lo = fmin(t[0], fmin(t[1], t[2])), hi = fmax(t[0], fmax(t[1], t[2]));
        cr_assert(got[k] >= lo - 0.02 && got[k] <= hi + 0.02, "%s: C %.4f, torch [%.4f, %.4f]",
                  keys[k], got[k], lo, hi);
    }
    cr_log_info("C head: f1_expr %.4f (epoch %d) p_va %.4f (epoch %d) f1_au %.4f (epoch %d)",
                rep.best_f1_expr, rep.best_epoch_expr, rep.best_p_va, rep.best_epoch_va,
                rep.best_f1_au, rep.best_epoch_au);
    /* the float head gives the reported validation metrics through the inference path */
    double *pe = malloc(N_VAL * 8 * sizeof(double)), *pv = malloc(N_VAL * 2 * sizeof(double));
    double *pa = malloc(N_VAL * 12 * sizeof(double));
    float scr[128];
    for (size_t i = 0; i < N_VAL; i++)
        cr_assert_eq(emoc_mtl_head_forward(&head, va.x + i * D, D, scr, pv + 2 * i, pe + 8 * i,
                                           pa + 12 * i, NULL), EMOC_OK);
    emoc_mtl_labels lab = {N_VAL, va.va, va.ex, va.au};
    void *ts = malloc(emoc_task_scratch_size(N_VAL));
    double m;
    cr_assert_eq(emoc_task_metric(EMOC_TASK_EXPR, pe, &lab, NULL, ts, &m), EMOC_OK);
    cr_assert(fabs(m - rep.best_f1_expr) < 5e-3, "expr %.5f vs %.5f", m, rep.best_f1_expr);
    cr_assert_eq(emoc_task_metric(EMOC_TASK_VA, pv, &lab, NULL, ts, &m), EMOC_OK);
    cr_assert(fabs(m - rep.best_p_va) < 1e-4, "va %.6f vs %.6f", m, rep.best_p_va);
    cr_assert_eq(emoc_task_metric(EMOC_TASK_AU, pa, &lab, NULL, ts, &m), EMOC_OK);
    cr_assert(fabs(m - rep.best_f1_au) < 5e-3, "au %.5f vs %.5f", m, rep.best_f1_au);
    free(ts);
    free(pe);
    free(pv);
    free(pa);
    free(params);
    free_set(&tr);
    free_set(&va);
    refdata_free(R);
}
