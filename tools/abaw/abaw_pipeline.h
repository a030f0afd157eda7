/*
 * abaw_pipeline.h — the per-video part shared by `emoc mtl` and `emoc ce`: for the rows of an
 * output list, interpolate each model's per-frame score rows at the listed frames (leading and
 * trailing gaps copy the nearest), then smooth per video.
 */
#ifndef EMOC_TOOLS_ABAW_PIPELINE_H
#define EMOC_TOOLS_ABAW_PIPELINE_H

#include "tools/abaw/abaw_io.h"

/* Rows of `src` (a table whose scores hold `dim` values at column offset 0 of a row stride
 * `stride`) gathered per video. */
typedef struct abaw_source {
    const abaw_table *t;
    const double *values;   /* t->n × stride */
    size_t stride;
    size_t *perm, *starts, n_runs;
    long *run_of_video;     /* video id → run index or −1 */
    size_t n_videos;        /* names->n at build time (size of run_of_video) */
} abaw_source;

int abaw_source_build(abaw_source *s, const abaw_table *t, const double *values, size_t stride);
void abaw_source_free(abaw_source *s);

/* out (n_query × dim): the source's values interpolated at frames `query` of `video`
 * (strictly increasing). Returns 1 if the video has rows, 0 if not (out untouched), −1 error. */
int abaw_source_interpolate(const abaw_source *s, int video, const int *query, size_t n_query,
                            size_t dim, double *out, double *scratch_frames_values);
/* Scratch for abaw_source_interpolate: doubles needed for the largest video. */
size_t abaw_source_scratch(const abaw_source *s, size_t dim);

/* Smooths columns [col, col+dim) of rows (n × stride, list order) per the options: per video
 * over real frame numbers (grouping perm/starts), or the ABAW7 notebook loop over list order. */
int abaw_smooth_columns(const emoc_smooth_opts *o, const int *video, const int *frame,
                        const size_t *perm, const size_t *starts, size_t n_runs, double *rows,
                        size_t n, size_t stride, size_t col, size_t dim);

#endif
