/*
 * features_io.h — per-frame feature files written by `emoc features` and read by `emoc mtl`,
 * `emoc ce` and `emoc train-head`. Format: post/FEATURES.md (binary with a small header, or
 * CSV). Video names are interned in a shared abaw_names (tools/abaw_io.h).
 */
#ifndef EMOC_TOOLS_FEATURES_IO_H
#define EMOC_TOOLS_FEATURES_IO_H

#include "tools/abaw_io.h"

#include <stdio.h>

typedef struct feat_set {
    char backbone[32];
    int dim;            /* D values per row */
    int embedding;      /* E (D − 10 for MTL backbones) */
    size_t n, cap;
    int *video, *frame, *face;
    float *area;
    float *x;           /* n×D */
} feat_set;

void feat_init(feat_set *s, int dim, int embedding, const char *backbone);
void feat_free(feat_set *s);
/* Appends a row (x copied). −1 on OOM. */
int feat_append(feat_set *s, int video, int frame, int face, float area, const float *x);
/* Reads binary or CSV (detected by the magic); errors name file and byte offset or line and
 * column; EMOC_E_FORMAT / EMOC_E_IO. */
emoc_status feat_read(feat_set *s, abaw_names *names, const char *path, char *err, size_t errlen);
/* Writes the set to f (binary, or CSV when csv); the caller checks and closes f. */
void feat_write(const feat_set *s, const abaw_names *names, FILE *f, int csv);

#endif
