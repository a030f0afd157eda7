/*
 * smooth.c — temporal smoothing of per-frame score rows (docs/models.md §7.2, §7.4, §7.5).
 *
 * Rows are n×dim doubles of one video, frames[] holds their real (1-based) frame numbers,
 * strictly increasing. The window of row i is every row j with |f_j − f_i| ≤ δ, so sparse lists
 * (s-Aff-Wild2) and dense sequences (after emoc_interpolate_frames) use the same code and the
 * window is clipped at the video's ends. The ABAW7 notebook loop is reproduced separately,
 * position-based and off-by-one included, because it is not the same filter.
 */
#include "emoc_abaw.h"

#include <math.h>

void emoc_smooth_settings_default(emoc_smooth_settings *s)
{
    emoc_smooth_opts none = {EMOC_SMOOTH_NONE, 1.0, 0};
    s->va = none;
    s->expr = none;
    s->au = none;
}

static int frames_increasing(const int *frames, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (frames[i] <= frames[i - 1]) return 0;
    return 1;
}

emoc_status emoc_interpolate_frames(const int *frames, const double *values, size_t n,
                                    size_t dim, const int *query, size_t n_query, double *out)
{
    if (!frames || !values || n == 0 || (n_query && (!query || !out)) ||
        !frames_increasing(frames, n))
        return EMOC_E_ARG;
    size_t k = 0; /* first known frame ≥ query (queries need not be sorted, but usually are) */
    for (size_t q = 0; q < n_query; q++) {
        int f = query[q];
        if (k > 0 && frames[k - 1] >= f) k = 0;
        while (k < n && frames[k] < f) k++;
        double *o = out + q * dim;
        if (k == n || k == 0 || frames[k] == f) {
            const double *src = values + (k == n ? n - 1 : k) * dim;
            for (size_t d = 0; d < dim; d++) o[d] = src[d];
            continue;
        }
        /* frames[k-1] < f < frames[k]: linear interpolation */
        double t = (double)(f - frames[k - 1]) / (double)(frames[k] - frames[k - 1]);
        const double *a = values + (k - 1) * dim, *b = values + k * dim;
        for (size_t d = 0; d < dim; d++) o[d] = a[d] + t * (b[d] - a[d]);
    }
    return EMOC_OK;
}

static double kernel_weight(const emoc_smooth_opts *o, double delta_frames)
{
    double d2 = delta_frames * delta_frames;
    switch (o->kind) {
    case EMOC_SMOOTH_GAUSS_PAPER: return exp(-d2 / (2.0 * o->sigma * o->sigma));
    case EMOC_SMOOTH_GAUSS_CODE: return exp(-d2 / o->sigma);
    default: return 1.0;
    }
}

static int opts_valid(const emoc_smooth_opts *o)
{
    if (!o || o->delta < 0) return 0;
    if ((o->kind == EMOC_SMOOTH_GAUSS_PAPER || o->kind == EMOC_SMOOTH_GAUSS_CODE ||
         o->kind == EMOC_SMOOTH_ABAW7_NOTEBOOK) &&
        !(o->sigma > 0.0 && isfinite(o->sigma)))
        return 0;
    return o->kind >= EMOC_SMOOTH_NONE && o->kind <= EMOC_SMOOTH_ABAW7_NOTEBOOK;
}

emoc_status emoc_smooth_video(const emoc_smooth_opts *opt, const int *frames, const double *in,
                              size_t n, size_t dim, double *out)
{
    if (!opts_valid(opt) || opt->kind == EMOC_SMOOTH_ABAW7_NOTEBOOK || (n && (!frames || !in || !out)))
        return EMOC_E_ARG;
    if (!frames_increasing(frames, n)) return EMOC_E_ARG;
    if (opt->kind == EMOC_SMOOTH_NONE) {
        for (size_t i = 0; i < n * dim; i++) out[i] = in[i];
        return EMOC_OK;
    }
    size_t lo = 0, hi = 0; /* window [lo, hi) */
    for (size_t i = 0; i < n; i++) {
        long long fi = frames[i];
        while (frames[lo] < fi - opt->delta) lo++;
        if (hi < i + 1) hi = i + 1;
        while (hi < n && frames[hi] <= fi + opt->delta) hi++;
        double *o = out + i * dim;
        for (size_t d = 0; d < dim; d++) o[d] = 0.0;
        double wsum = 0.0;
        for (size_t j = lo; j < hi; j++) {
            double w = kernel_weight(opt, (double)(frames[j] - frames[i]));
            const double *x = in + j * dim;
            for (size_t d = 0; d < dim; d++) o[d] += w * x[d];
            wsum += w;
        }
        for (size_t d = 0; d < dim; d++) o[d] /= wsum; /* wsum ≥ weight of j = i = 1 */
    }
    return EMOC_OK;
}

/* Port of the smoothing loop of ABAW7 mtl.ipynb (cells 64–67): positions in the whole list,
 * backward scan i−1 … start+1 (start = max(0, i−δ) itself excluded), forward i … i+δ, both
 * stopping at the first row of another video; weights exp(−Δf²/σ). */
static void smooth_notebook(const emoc_smooth_opts *opt, const int *video, const int *frames,
                            const double *in, size_t n, size_t dim, double *out)
{
    long long delta = opt->delta;
    for (size_t ui = 0; ui < n; ui++) {
        long long i = (long long)ui;
        long long start = i - delta > 0 ? i - delta : 0;
        long long end = i + delta + 1 < (long long)n ? i + delta + 1 : (long long)n;
        double *o = out + ui * dim;
        for (size_t d = 0; d < dim; d++) o[d] = 0.0;
        double ksum = 0.0;
        for (long long j = i - 1; j > start; j--) {
            if (video[j] != video[i]) break;
            double df = (double)frames[j] - (double)frames[i];
            double k = exp(-(df * df) / opt->sigma);
            for (size_t d = 0; d < dim; d++) o[d] += k * in[(size_t)j * dim + d];
            ksum += k;
        }
        for (long long j = i; j < end; j++) {
            if (video[j] != video[i]) break;
            double df = (double)frames[j] - (double)frames[i];
            double k = exp(-(df * df) / opt->sigma);
            for (size_t d = 0; d < dim; d++) o[d] += k * in[(size_t)j * dim + d];
            ksum += k;
        }
        for (size_t d = 0; d < dim; d++) o[d] /= ksum;
    }
}

emoc_status emoc_smooth_list(const emoc_smooth_opts *opt, const int *video, const int *frames,
                             const double *in, size_t n, size_t dim, double *out)
{
    if (!opts_valid(opt) || (n && (!video || !frames || !in || !out))) return EMOC_E_ARG;
    if (opt->kind == EMOC_SMOOTH_ABAW7_NOTEBOOK) {
        smooth_notebook(opt, video, frames, in, n, dim, out);
        return EMOC_OK;
    }
    size_t s = 0;
    while (s < n) {
        size_t e = s + 1;
        while (e < n && video[e] == video[s]) e++;
        emoc_status st = emoc_smooth_video(opt, frames + s, in + s * dim, e - s, dim, out + s * dim);
        if (st != EMOC_OK) return st;
        s = e;
    }
    return EMOC_OK;
}
