/*
 * abaw_cli.h — pieces shared by `emoc mtl`, `ce`, `eval`, `tune` and `train-head`: option
 * parsers (--smooth, --blend, --au-thresholds), running MTL heads over a feature set, gathering
 * one video's rows in frame order, and score files.
 */
#ifndef EMOC_TOOLS_ABAW_CLI_H
#define EMOC_TOOLS_ABAW_CLI_H

#include <stdio.h>

#include "tools/abaw/abaw_io.h"
#include "tools/abaw/features_io.h"
#include "tools/outfile.h"

/* "expr=gauss_code:100000:50,va=box:10,au=none" (kinds: none, box:δ, gauss_paper:σ:δ,
 * gauss_code:σ:δ, notebook:σ:δ). Tasks not named keep their value. 0 ok, −1 error (printed). */
int abaw_parse_smooth(const char *cmd, const char *spec, emoc_smooth_settings *s);
/* "va=0.8,expr=0.5,au=0.5" (weights of the first model). */
int abaw_parse_blend(const char *cmd, const char *spec, emoc_blend_weights *w);
/* A preset name (emoc_au_threshold_preset) or a file with 12 numbers. */
int abaw_parse_thresholds(const char *cmd, const char *spec, double thr[EMOC_N_AU]);
/* Splits "a,b" into at most 2 parts (pointers into a copy the caller frees). Returns count. */
int abaw_split2(const char *s, char **copy, const char *part[2]);
/* Comma-separated lists of numbers. Returns count or −1. */
int abaw_parse_doubles(const char *s, double *out, int cap);

/* For each (video, frame) of feats, the largest face (first on ties): row index into feats.
 * The table gets one row per frame; rows_out[row] = feature row. */
int abaw_pick_faces(const feat_set *feats, abaw_table *frames, long **rows_out);

/* Runs head over feats' picked rows into frames->scores (V, A, 8 probabilities, 12 AUs).
 * Width mismatch → message naming both widths, returns EMOC_E_SHAPE. */
emoc_status abaw_run_head(const char *cmd, const emoc_mtl_head *head, const feat_set *feats,
                          abaw_table *frames, const long *rows);

/* Without a head (§7.4 "direct use"): V, A = the backbone's raw scores 8 and 9, EXPR = softmax
 * of its 8 AffectNet logits mapped to ABAW order by `map`, AU scores 0. Needs D ≥ 10. */
emoc_status abaw_run_direct(const char *cmd, emoc_class_map map, const feat_set *feats,
                            abaw_table *frames, const long *rows);

/* Groups list rows by video in first-appearance order; within a video sorted by frame.
 * Returns a permutation of [0, n) and the run boundaries (starts[n_runs] = n). */
int abaw_group_by_video(const abaw_table *t, const long *rows, size_t n, size_t **perm,
                        size_t **starts, size_t *n_runs);

/* The image column of row i of a submission or score file: images[i] as the organisers' list
 * spells it, or without a list (images NULL) `video/%05d.jpg`, the cropped-aligned naming
 * (docs/models.md §9.2). */
void abaw_write_image(FILE *f, const abaw_names *names, char *const *images, size_t i,
                      int video, int frame);

/* The rows a submission (`emoc mtl`, `emoc ce`) writes: the organisers' list, or the frames the
 * command chose, and the same rows grouped by video (in frame order) for interpolation and
 * smoothing. */
typedef struct abaw_out_list {
    abaw_table t;                  /* one row per listed (video, frame) */
    long *order;                   /* entry i of the list → row of t */
    char **images;                 /* entries as --list spells them; NULL without a list */
    size_t n_order;
    size_t *perm, *starts, n_runs; /* abaw_group_by_video of t's rows */
    int *video, *frame;            /* per row of t, for the smoothers */
} abaw_out_list;
void abaw_out_list_init(abaw_out_list *l, abaw_names *names);
/* --list PATH: the list's entries, in its order (abaw_load_list). */
emoc_status abaw_out_list_load(abaw_out_list *l, const char *path, char *err, size_t errlen);
/* Without a list: every row the caller added to l->t, in the order added. 0 or -1 (memory). */
int abaw_out_list_all(abaw_out_list *l);
/* Groups the rows by video and fills video/frame. 0 or -1 (memory). */
int abaw_out_list_group(abaw_out_list *l);
void abaw_out_list_free(abaw_out_list *l);

/* Score file: header `image,valence,arousal,<8 expr>,<12 AU>`, one row per list entry; image
 * names as abaw_write_image; written through out (begun and committed here). 0 or -1. */
int abaw_write_scores(const char *cmd, cli_outfile *out, const abaw_names *names,
                      char *const *images, const int *video, const int *frame,
                      const double *scores, size_t n);

/* Writes an SVG line plot: n_series curves over shared x values (log x if log_x). */
int abaw_write_svg(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const double *x, size_t nx, const double *y, size_t n_series,
                   const char *const *series_names, int log_x);

#endif
