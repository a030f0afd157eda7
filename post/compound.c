/*
 * compound.c — ABAW compound expressions from AffectNet-8 logits (docs/models.md §7.5): softmax over
 * the 8 logits, each compound class the mean of its two basic classes, pooled over the faces of
 * a frame. Interpolation, smoothing and argmax reuse smooth.c and labels.c.
 */
#include "emoc_abaw.h"

#include <math.h>

/* AffectNet-8 index pairs in submission order. */
static const int ce_pairs[EMOC_N_CE][2] = {{3, 7}, {4, 7}, {6, 7}, {2, 7}, {0, 7}, {6, 3}, {6, 0}};

void emoc_ce_scores(const double *logits, emoc_ce_mean mean, double *out7)
{
    double mx = logits[0], p[8], sum = 0.0;
    for (int i = 1; i < 8; i++)
        if (logits[i] > mx) mx = logits[i];
    for (int i = 0; i < 8; i++) sum += p[i] = exp(logits[i] - mx);
    for (int i = 0; i < 8; i++) p[i] /= sum;
    for (int c = 0; c < EMOC_N_CE; c++) {
        double a = p[ce_pairs[c][0]], b = p[ce_pairs[c][1]];
        switch (mean) {
        case EMOC_CE_MEAN_GEOMETRIC: out7[c] = sqrt(a * b); break;
        case EMOC_CE_MEAN_HARMONIC: out7[c] = a + b > 0.0 ? 2.0 * a * b / (a + b) : 0.0; break;
        default: out7[c] = 0.5 * (a + b); break;
        }
    }
}

emoc_status emoc_ce_pool_faces(const double *face_scores, const double *face_areas, int n_faces,
                               emoc_ce_faces how, double *out7)
{
    if (!face_scores || !out7 || n_faces < 1) return EMOC_E_ARG;
    if (how == EMOC_CE_FACES_LARGEST) {
        if (!face_areas) return EMOC_E_ARG;
        int best = 0;
        for (int f = 1; f < n_faces; f++)
            if (face_areas[f] > face_areas[best]) best = f;
        for (int c = 0; c < EMOC_N_CE; c++) out7[c] = face_scores[best * EMOC_N_CE + c];
        return EMOC_OK;
    }
    if (how != EMOC_CE_FACES_MAX && how != EMOC_CE_FACES_MEAN) return EMOC_E_ARG;
    for (int c = 0; c < EMOC_N_CE; c++) {
        double acc = face_scores[c];
        for (int f = 1; f < n_faces; f++) {
            double v = face_scores[f * EMOC_N_CE + c];
            if (how == EMOC_CE_FACES_MAX) acc = v > acc ? v : acc;
            else acc += v;
        }
        out7[c] = how == EMOC_CE_FACES_MEAN ? acc / n_faces : acc;
    }
    return EMOC_OK;
}
