/* abaw_pipeline.c — interpolation and smoothing of per-frame score rows (abaw_pipeline.h). */
#include "tools/abaw/abaw_pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "tools/abaw/abaw_cli.h"

int abaw_source_build(abaw_source *s, const abaw_table *t, const double *values, size_t stride)
{
    memset(s, 0, sizeof *s);
    s->t = t;
    s->values = values;
    s->stride = stride;
    if (abaw_group_by_video(t, NULL, t->n, &s->perm, &s->starts, &s->n_runs)) return -1;
    size_t nv = t->names->n;
    s->n_videos = nv;
    s->run_of_video = malloc((nv ? nv : 1) * sizeof *s->run_of_video);
    if (!s->run_of_video) return -1;
    for (size_t v = 0; v < nv; v++) s->run_of_video[v] = -1;
    for (size_t r = 0; r < s->n_runs; r++) s->run_of_video[t->video[s->perm[s->starts[r]]]] = (long)r;
    return 0;
}

void abaw_source_free(abaw_source *s)
{
    free(s->perm);
    free(s->starts);
    free(s->run_of_video);
    memset(s, 0, sizeof *s);
}

size_t abaw_source_scratch(const abaw_source *s, size_t dim)
{
    size_t mx = 1;
    for (size_t r = 0; r < s->n_runs; r++)
        if (s->starts[r + 1] - s->starts[r] > mx) mx = s->starts[r + 1] - s->starts[r];
    return mx * (dim + 1);
}

int abaw_source_interpolate(const abaw_source *s, int video, const int *query, size_t n_query,
                            size_t dim, double *out, double *scratch)
{
    if (video < 0 || (size_t)video >= s->n_videos) return 0;
    long run = s->run_of_video[video];
    if (run < 0) return 0;
    size_t b = s->starts[run], e = s->starts[run + 1], m = e - b;
    double *vals = scratch;
    int *frames = (int *)(scratch + m * dim);
    for (size_t i = 0; i < m; i++) {
        size_t r = s->perm[b + i];
        frames[i] = s->t->frame[r];
        memcpy(vals + i * dim, s->values + r * s->stride, dim * sizeof(double));
    }
    return emoc_interpolate_frames(frames, vals, m, dim, query, n_query, out) == EMOC_OK ? 1 : -1;
}

int abaw_smooth_columns(const emoc_smooth_opts *o, const int *video, const int *frame,
                        const size_t *perm, const size_t *starts, size_t n_runs, double *rows,
                        size_t n, size_t stride, size_t col, size_t dim)
{
    if (o->kind == EMOC_SMOOTH_NONE || n == 0) return 0;
    double *in = malloc(n * dim * sizeof(double)), *out = malloc(n * dim * sizeof(double));
    int *fr = malloc(n * sizeof(int)), *vd = malloc(n * sizeof(int));
    int rc = -1;
    if (!in || !out || !fr || !vd) goto done;
    if (o->kind == EMOC_SMOOTH_ABAW7_NOTEBOOK) { /* list order, like the notebook */
        for (size_t i = 0; i < n; i++) {
            memcpy(in + i * dim, rows + i * stride + col, dim * sizeof(double));
            fr[i] = frame[i];
            vd[i] = video[i];
        }
        if (emoc_smooth_list(o, vd, fr, in, n, dim, out) != EMOC_OK) goto done;
        for (size_t i = 0; i < n; i++) memcpy(rows + i * stride + col, out + i * dim, dim * sizeof(double));
        rc = 0;
        goto done;
    }
    for (size_t r = 0; r < n_runs; r++) {
        size_t b = starts[r], m = starts[r + 1] - b;
        for (size_t i = 0; i < m; i++) {
            size_t k = perm[b + i];
            memcpy(in + i * dim, rows + k * stride + col, dim * sizeof(double));
            fr[i] = frame[k];
        }
        if (emoc_smooth_video(o, fr, in, m, dim, out) != EMOC_OK) goto done;
        for (size_t i = 0; i < m; i++) memcpy(rows + perm[b + i] * stride + col, out + i * dim, dim * sizeof(double));
    }
    rc = 0;
done:
    free(in);
    free(out);
    free(fr);
    free(vd);
    return rc;
}
