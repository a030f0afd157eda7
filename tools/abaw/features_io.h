/*
 * features_io.h — per-frame feature files written by `emoc features` and read by `emoc mtl`,
 * `emoc ce` and `emoc train-head`. Format: post/FEATURES.md (binary with a small header, or
 * CSV; version 1 rows carry a face area, version 2 rows the detector's box and score). Video
 * names are interned in a shared abaw_names (tools/abaw/abaw_io.h).
 */
#ifndef EMOC_TOOLS_FEATURES_IO_H
#define EMOC_TOOLS_FEATURES_IO_H

#include "tools/abaw/abaw_io.h"

#include <stdio.h>

#define FEAT_BOX 5 /* x1, y1, x2, y2, det_score per row of a version 2 file */

typedef struct feat_set {
    char backbone[32];
    int dim;            /* D values per row */
    int embedding;      /* E (D − 10 for MTL backbones) */
    int has_box;        /* 1: version 2, every row has a box (set before the first row) */
    size_t n, cap;
    int *video, *frame, *face;
    float *area;        /* the face area that picks faces: v1 the file's column, v2 the box area */
    float *box;         /* has_box: n×FEAT_BOX */
    float *x;           /* n×D */
} feat_set;

void feat_init(feat_set *s, int dim, int embedding, const char *backbone);
void feat_free(feat_set *s);
/* The area of a detector box: (x2 − x1)·(y2 − y1) in float, 0 when either side is not positive. */
float feat_box_area(const float *box);
/* Appends a row (x copied) to a set without boxes. −1 on OOM or on a set with boxes. */
int feat_append(feat_set *s, int video, int frame, int face, float area, const float *x);
/* Appends a row with its box (x1, y1, x2, y2, det_score; area = feat_box_area) to a set with
 * boxes. −1 on OOM or on a set without boxes. */
int feat_append_box(feat_set *s, int video, int frame, int face, const float *box, const float *x);
/* Reads binary or CSV (detected by the magic), version 1 or 2; errors name file and byte offset
 * or line and column; EMOC_E_FORMAT / EMOC_E_IO. */
emoc_status feat_read(feat_set *s, abaw_names *names, const char *path, char *err, size_t errlen);
/* Writes the set to f (binary, or CSV when csv), version 2 when it has boxes; the caller checks
 * and closes f. −1 when out of memory before anything was written. */
int feat_write(const feat_set *s, const abaw_names *names, FILE *f, int csv);

#endif
