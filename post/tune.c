/*
 * tune.c — headline metric per task and the validation-set searches of docs/models.md §7.2–7.3:
 * per-AU thresholds, blend weights and smoothing (σ, δ). Every search returns the best value
 * and the whole curve; ties keep the first grid value (as np.argmax does).
 */
#include "emoc_abaw.h"

#include <math.h>
#include <stdint.h>

int emoc_task_dim(emoc_task task)
{
    return task == EMOC_TASK_VA ? 2 : task == EMOC_TASK_EXPR ? EMOC_N_EXPR : EMOC_N_AU;
}

size_t emoc_task_scratch_size(size_t n) { return 48 * n + 64; }

emoc_status emoc_task_metric(emoc_task task, const double *scores, const emoc_mtl_labels *lab,
                             const double *au_thresholds, void *scratch, double *out)
{
    if (!scores || !lab || !scratch || !out) return EMOC_E_ARG;
    size_t n = lab->n;
    static const double half[EMOC_N_AU] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
                                           0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    switch (task) {
    case EMOC_TASK_VA: {
        if (!lab->va) return EMOC_E_ARG;
        emoc_va_metrics m;
        emoc_metrics_va(scores, lab->va, n, (double *)scratch, &m);
        *out = m.p_va;
        return EMOC_OK;
    }
    case EMOC_TASK_EXPR: {
        if (!lab->expr) return EMOC_E_ARG;
        int *pred = (int *)scratch;
        for (size_t i = 0; i < n; i++) pred[i] = emoc_argmax(scores + i * EMOC_N_EXPR, EMOC_N_EXPR);
        emoc_expr_metrics m;
        emoc_status st = emoc_metrics_expr(pred, lab->expr, n, EMOC_N_EXPR, &m);
        *out = m.f1_macro;
        return st;
    }
    case EMOC_TASK_AU: {
        if (!lab->au) return EMOC_E_ARG;
        const double *thr = au_thresholds ? au_thresholds : half;
        int *pred = (int *)scratch;
        for (size_t i = 0; i < n; i++) emoc_au_decide(scores + i * EMOC_N_AU, thr, pred + i * EMOC_N_AU);
        emoc_au_metrics m;
        emoc_metrics_au(pred, lab->au, n, &m);
        *out = m.f1_mean;
        return EMOC_OK;
    }
    }
    return EMOC_E_ARG;
}

size_t emoc_grid(double lo, double hi, double step, double *out, size_t cap)
{
    size_t k = 0;
    if (!(step > 0.0)) return 0;
    for (;; k++) {
        double v = lo + (double)k * step;  /* multiply, don't accumulate: 0.3 stays 0.3 */
        if (v > hi + 1e-9 || k >= cap) break;
        out[k] = round(v * 1e12) / 1e12;
    }
    return k;
}

/* Better than the best so far (NaN never wins). */
static int improves(double v, double best, int have) { return !isnan(v) && (!have || v > best); }

emoc_status emoc_tune_au_thresholds(const double *scores, const int *truth, size_t n,
                                    const double *grid, size_t n_grid, double *best_thr,
                                    double *best_f1, double *curve)
{
    if (!scores || !truth || !grid || n_grid == 0 || !best_thr || !best_f1) return EMOC_E_ARG;
    for (int k = 0; k < EMOC_N_AU; k++) {
        int have = 0;
        best_thr[k] = grid[0];
        best_f1[k] = NAN;
        for (size_t g = 0; g < n_grid; g++) {
            size_t tp = 0, fp = 0, fn = 0, m = 0;
            for (size_t i = 0; i < n; i++) {
                const int *t = truth + i * EMOC_N_AU;
                int missing = 0;
                for (int q = 0; q < EMOC_N_AU; q++) missing |= t[q] < 0;
                if (missing) continue;
                m++;
                int p = scores[i * EMOC_N_AU + k] >= grid[g];
                tp += p && t[k];
                fp += p && !t[k];
                fn += !p && t[k];
            }
            size_t den = 2 * tp + fp + fn;
            double f1 = m == 0 ? NAN : den ? 2.0 * (double)tp / (double)den : 0.0;
            if (curve) curve[(size_t)k * n_grid + g] = f1;
            if (improves(f1, best_f1[k], have)) {
                have = 1;
                best_f1[k] = f1;
                best_thr[k] = grid[g];
            }
        }
    }
    return EMOC_OK;
}

size_t emoc_tune_scratch_size(emoc_task task, size_t n)
{
    return n * (size_t)emoc_task_dim(task) * sizeof(double) + emoc_task_scratch_size(n);
}

emoc_status emoc_tune_blend(emoc_task task, const double *a, const double *b,
                            const emoc_mtl_labels *lab, const double *au_thresholds,
                            const double *grid, size_t n_grid, void *scratch, double *curve,
                            double *best_w, double *best_metric)
{
    if (!a || !b || !lab || !grid || n_grid == 0 || !scratch || !best_w || !best_metric)
        return EMOC_E_ARG;
    size_t count = lab->n * (size_t)emoc_task_dim(task);
    double *mixed = (double *)scratch;
    void *rest = (unsigned char *)scratch + count * sizeof(double);
    int have = 0;
    *best_w = grid[0];
    *best_metric = NAN;
    for (size_t g = 0; g < n_grid; g++) {
        emoc_blend(a, b, count, grid[g], mixed);
        double v;
        emoc_status st = emoc_task_metric(task, mixed, lab, au_thresholds, rest, &v);
        if (st != EMOC_OK) return st;
        if (curve) curve[g] = v;
        if (improves(v, *best_metric, have)) {
            have = 1;
            *best_metric = v;
            *best_w = grid[g];
        }
    }
    return EMOC_OK;
}

emoc_status emoc_tune_smooth(emoc_task task, emoc_smooth_kind kind, const int *video,
                             const int *frames, const double *scores, const emoc_mtl_labels *lab,
                             const double *au_thresholds, const double *sigmas, size_t n_sigma,
                             const int *deltas, size_t n_delta, void *scratch, double *curve,
                             double *best_sigma, int *best_delta, double *best_metric)
{
    if (!scores || !lab || !sigmas || !deltas || !n_sigma || !n_delta || !scratch ||
        !best_sigma || !best_delta || !best_metric)
        return EMOC_E_ARG;
    size_t dim = (size_t)emoc_task_dim(task);
    double *smoothed = (double *)scratch;
    void *rest = (unsigned char *)scratch + lab->n * dim * sizeof(double);
    int have = 0;
    *best_sigma = sigmas[0];
    *best_delta = deltas[0];
    *best_metric = NAN;
    for (size_t s = 0; s < n_sigma; s++) {
        for (size_t d = 0; d < n_delta; d++) {
            emoc_smooth_opts o = {kind, sigmas[s], deltas[d]};
            emoc_status st = emoc_smooth_list(&o, video, frames, scores, lab->n, dim, smoothed);
            if (st != EMOC_OK) return st;
            double v;
            st = emoc_task_metric(task, smoothed, lab, au_thresholds, rest, &v);
            if (st != EMOC_OK) return st;
            if (curve) curve[s * n_delta + d] = v;
            if (improves(v, *best_metric, have)) {
                have = 1;
                *best_metric = v;
                *best_sigma = sigmas[s];
                *best_delta = deltas[d];
            }
        }
    }
    return EMOC_OK;
}
