/*
 * head.c — the ABAW7 multi-task head (docs/models.md §7.1) on one frame's feature vector
 * X = [embedding, 10 backbone scores]: EXPR softmax on X, VA tanh on the last 10 inputs, AU
 * ReLU(128) → sigmoid(12) on X. Weights are float32, [in][out]; sums are in double.
 * Loading/saving EMW files lives in head_io.c.
 */
#include "emoc_abaw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

size_t emoc_mtl_head_param_count(int e, int h)
{
    if (e < 0 || h < 1) return 0;
    size_t d = (size_t)e + EMOC_MTL_N_SCORES;
    return d * EMOC_N_EXPR + EMOC_N_EXPR + EMOC_MTL_N_SCORES * 2 + 2 + d * (size_t)h + (size_t)h +
           (size_t)h * EMOC_N_AU + EMOC_N_AU;
}

emoc_status emoc_mtl_head_view(emoc_mtl_head *head, int e, int h, const char *backbone,
                               float *p)
{
    if (!head || !p || e < 0 || h < 1) return EMOC_E_ARG;
    memset(head, 0, sizeof *head);
    size_t d = (size_t)e + EMOC_MTL_N_SCORES;
    head->embedding_size = e;
    head->in_dim = (int)d;
    head->au_hidden = h;
    snprintf(head->backbone, sizeof head->backbone, "%s", backbone ? backbone : "");
    head->expr_kernel = p;  p += d * EMOC_N_EXPR;
    head->expr_bias = p;    p += EMOC_N_EXPR;
    head->va_kernel = p;    p += EMOC_MTL_N_SCORES * 2;
    head->va_bias = p;      p += 2;
    head->au1_kernel = p;   p += d * (size_t)h;
    head->au1_bias = p;     p += h;
    head->au2_kernel = p;   p += (size_t)h * EMOC_N_AU;
    head->au2_bias = p;
    return EMOC_OK;
}

size_t emoc_mtl_head_scratch_floats(const emoc_mtl_head *head)
{
    return head ? (size_t)head->au_hidden : 0;
}

emoc_status emoc_mtl_head_forward(const emoc_mtl_head *h, const float *x, int n_x,
                                  float *scratch, double *va, double *expr, double *au,
                                  emoc_error *err)
{
    if (!h || !x || (au && !scratch)) {
        if (err) snprintf(err->msg, sizeof err->msg, "mtl head: NULL argument");
        return EMOC_E_ARG;
    }
    if (n_x != h->in_dim) {
        if (err)
            snprintf(err->msg, sizeof err->msg,
                     "mtl head for backbone '%s' expects %d inputs (embedding %d + %d scores), "
                     "got %d: features come from a different backbone",
                     h->backbone, h->in_dim, h->embedding_size, EMOC_MTL_N_SCORES, n_x);
        return EMOC_E_SHAPE;
    }
    size_t d = (size_t)h->in_dim;
    if (expr) {
        double z[EMOC_N_EXPR], mx, sum = 0.0;
        for (int c = 0; c < EMOC_N_EXPR; c++) z[c] = h->expr_bias[c];
        for (size_t i = 0; i < d; i++) {
            const float *w = h->expr_kernel + i * EMOC_N_EXPR;
            for (int c = 0; c < EMOC_N_EXPR; c++) z[c] += (double)x[i] * w[c];
        }
        mx = z[0];
        for (int c = 1; c < EMOC_N_EXPR; c++) mx = z[c] > mx ? z[c] : mx;
        for (int c = 0; c < EMOC_N_EXPR; c++) sum += expr[c] = exp(z[c] - mx);
        for (int c = 0; c < EMOC_N_EXPR; c++) expr[c] /= sum;
    }
    if (va) {
        const float *s = x + h->embedding_size;
        for (int o = 0; o < 2; o++) {
            double z = h->va_bias[o];
            for (int i = 0; i < EMOC_MTL_N_SCORES; i++) z += (double)s[i] * h->va_kernel[i * 2 + o];
            va[o] = tanh(z);
        }
    }
    if (au) {
        int hid = h->au_hidden;
        /* blocks of 64 hidden units: the kernel rows are read contiguously, sums in double */
        for (int j0 = 0; j0 < hid; j0 += 64) {
            int nb = hid - j0 < 64 ? hid - j0 : 64;
            double acc[64];
            for (int j = 0; j < nb; j++) acc[j] = h->au1_bias[j0 + j];
            for (size_t i = 0; i < d; i++) {
                double xi = x[i];
                const float *w = h->au1_kernel + i * (size_t)hid + j0;
                for (int j = 0; j < nb; j++) acc[j] += xi * w[j];
            }
            for (int j = 0; j < nb; j++) scratch[j0 + j] = acc[j] > 0.0 ? (float)acc[j] : 0.0f;
        }
        for (int k = 0; k < EMOC_N_AU; k++) {
            double z = h->au2_bias[k];
            for (int j = 0; j < hid; j++) z += (double)scratch[j] * h->au2_kernel[j * EMOC_N_AU + k];
            au[k] = 1.0 / (1.0 + exp(-z));
        }
    }
    return EMOC_OK;
}
