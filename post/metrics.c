/*
 * metrics.c — ABAW metrics (docs/models.md §7.6, docs/models.md §9.5): CCC with population statistics,
 * per-class / macro F1, per-AU F1, P_MTL, accuracy, confusion matrix, KL divergence of class
 * frequencies and Cohen's kappa. Missing labels are skipped per task; edge cases are defined in
 * include/emoc.h (section "metrics").
 */
#include "emoc_abaw.h"

#include <math.h>
#include <string.h>

double emoc_ccc(const double *x, const double *y, size_t n)
{
    if (n == 0) return NAN;
    double mx = 0.0, my = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double vx = 0.0, vy = 0.0, cxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        vx += dx * dx;
        vy += dy * dy;
        cxy += dx * dy;
    }
    vx /= (double)n;
    vy /= (double)n;
    cxy /= (double)n;
    double den = vx + vy + (mx - my) * (mx - my);
    if (den == 0.0) return 1.0; /* both constant and equal: perfect agreement */
    return 2.0 * cxy / den;
}

void emoc_metrics_va(const double *pred, const double *truth, size_t n, double *scratch,
                     emoc_va_metrics *out)
{
    double *pv = scratch, *pa = scratch + n, *tv = scratch + 2 * n, *ta = scratch + 3 * n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (truth[2 * i] < -1.0 || truth[2 * i + 1] < -1.0) continue;
        pv[m] = pred[2 * i];
        pa[m] = pred[2 * i + 1];
        tv[m] = truth[2 * i];
        ta[m] = truth[2 * i + 1];
        m++;
    }
    out->n = m;
    out->ccc_valence = emoc_ccc(pv, tv, m);
    out->ccc_arousal = emoc_ccc(pa, ta, m);
    out->p_va = 0.5 * (out->ccc_valence + out->ccc_arousal);
}

static double f1_from_counts(size_t tp, size_t fp, size_t fn)
{
    size_t den = 2 * tp + fp + fn;
    return den ? 2.0 * (double)tp / (double)den : 0.0;
}

emoc_status emoc_metrics_expr(const int *pred, const int *truth, size_t n, int n_classes,
                              emoc_expr_metrics *out)
{
    if (!out || n_classes < 1 || n_classes > EMOC_N_EXPR || (n && (!pred || !truth)))
        return EMOC_E_ARG;
    memset(out, 0, sizeof *out);
    out->n_classes = n_classes;
    for (size_t i = 0; i < n; i++) {
        if (truth[i] < 0 || truth[i] >= n_classes) continue;
        if (pred[i] < 0 || pred[i] >= n_classes) return EMOC_E_ARG;
        out->confusion[truth[i]][pred[i]]++;
        out->n++;
    }
    if (out->n == 0) {
        for (int c = 0; c < EMOC_N_EXPR; c++) out->f1[c] = NAN;
        out->f1_macro = out->f1_macro_present = out->accuracy = NAN;
        return EMOC_OK;
    }
    size_t correct = 0, present = 0;
    double sum = 0.0, sum_present = 0.0;
    for (int c = 0; c < n_classes; c++) {
        size_t tp = out->confusion[c][c], row = 0, col = 0;
        for (int k = 0; k < n_classes; k++) {
            row += out->confusion[c][k];
            col += out->confusion[k][c];
        }
        correct += tp;
        out->f1[c] = f1_from_counts(tp, col - tp, row - tp);
        sum += out->f1[c];
        if (row || col) {
            present++;
            sum_present += out->f1[c];
        }
    }
    out->f1_macro = sum / n_classes;
    out->f1_macro_present = sum_present / (double)present;
    out->accuracy = (double)correct / (double)out->n;
    return EMOC_OK;
}

double emoc_f1_binary(const int *pred, const int *truth, size_t n, size_t stride)
{
    size_t tp = 0, fp = 0, fn = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        int t = truth[i * stride], p = pred[i * stride] != 0;
        if (t < 0) continue;
        m++;
        if (t && p) tp++;
        else if (p) fp++;
        else if (t) fn++;
    }
    return m ? f1_from_counts(tp, fp, fn) : NAN;
}

void emoc_metrics_au(const int *pred, const int *truth, size_t n, emoc_au_metrics *out)
{
    size_t tp[EMOC_N_AU] = {0}, fp[EMOC_N_AU] = {0}, fn[EMOC_N_AU] = {0};
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        const int *t = truth + i * EMOC_N_AU, *p = pred + i * EMOC_N_AU;
        int missing = 0;
        for (int k = 0; k < EMOC_N_AU; k++) missing |= t[k] < 0;
        if (missing) continue;
        out->n++;
        for (int k = 0; k < EMOC_N_AU; k++) {
            int pk = p[k] != 0, tk = t[k] != 0;
            tp[k] += tk && pk;
            fp[k] += !tk && pk;
            fn[k] += tk && !pk;
        }
    }
    double sum = 0.0;
    for (int k = 0; k < EMOC_N_AU; k++) {
        out->f1[k] = out->n ? f1_from_counts(tp[k], fp[k], fn[k]) : NAN;
        sum += out->f1[k];
    }
    out->f1_mean = sum / EMOC_N_AU;
}

double emoc_p_mtl(const emoc_va_metrics *va, const emoc_expr_metrics *expr,
                  const emoc_au_metrics *au)
{
    return va->p_va + expr->f1_macro + au->f1_mean;
}

double emoc_kl_class_freq(const int *pred, const int *ref, size_t n, int n_classes, double eps)
{
    if (n_classes < 1 || n_classes > 64) return NAN;
    double cp[64] = {0}, cq[64] = {0}, sp = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (pred[i] >= 0 && pred[i] < n_classes) cp[pred[i]] += 1.0;
        if (ref[i] >= 0 && ref[i] < n_classes) cq[ref[i]] += 1.0;
    }
    for (int c = 0; c < n_classes; c++) {
        cp[c] += eps;
        cq[c] += eps;
        sp += cp[c];
        sq += cq[c];
    }
    if (sp <= 0.0 || sq <= 0.0) return NAN;
    double kl = 0.0;
    for (int c = 0; c < n_classes; c++) {
        double p = cp[c] / sp, q = cq[c] / sq;
        if (p == 0.0) continue;
        if (q == 0.0) return INFINITY;
        kl += p * log(p / q);
    }
    return kl;
}

double emoc_cohen_kappa(const int *a, const int *b, size_t n, int n_classes)
{
    if (n_classes < 1 || n_classes > 64) return NAN;
    double ra[64] = {0}, rb[64] = {0}, agree = 0.0, total = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || a[i] >= n_classes || b[i] < 0 || b[i] >= n_classes) continue;
        ra[a[i]] += 1.0;
        rb[b[i]] += 1.0;
        agree += a[i] == b[i];
        total += 1.0;
    }
    if (total == 0.0) return NAN;
    /* kappa = 1 − observed disagreement / expected disagreement (scikit-learn's form) */
    double expected_agree = 0.0;
    for (int c = 0; c < n_classes; c++) expected_agree += ra[c] * rb[c] / total;
    double obs_dis = total - agree, exp_dis = total - expected_agree;
    if (exp_dis == 0.0) return 1.0;
    return 1.0 - obs_dis / exp_dis;
}
