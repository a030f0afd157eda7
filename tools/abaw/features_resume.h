/*
 * features_resume.h — `emoc features --resume -o FEATS` (docs/scale-out.md): the feature file
 * only ever holds the rows of complete videos. After each completed video (when every video
 * begun is complete, at most about once a second) the whole file is written to a temporary file
 * beside it and renamed over it, through the directory descriptor opened before the sandbox.
 *
 * A re-run reads the previous file (binary or CSV, as this run writes) and keeps the rows of
 * every video folder of this run's listing it holds rows of: emoc writes a feature file whole
 * (a plain run) or with complete videos only (--resume), and a frame without a face or that
 * failed to decode has no row, so the rows cannot be counted against the frames as predict
 * does. A video without any row, and loose image files, are computed again (the same rows).
 * Rows are written in listing order of their videos, so a resumed run's file equals an
 * uninterrupted run's byte for byte.
 */
#ifndef EMOC_TOOLS_FEATURES_RESUME_H
#define EMOC_TOOLS_FEATURES_RESUME_H

#include "tools/abaw/features_io.h"
#include "tools/resume_out.h"

typedef struct feat_resume {
    resume_out out;     /* directory, unit table, replacement */
    feat_set *fs;       /* the run's rows (not owned) */
    abaw_names *names;  /* not owned */
    feat_set old;       /* the previous file's rows until the scan */
    int have_old, csv;
    long *key;          /* per row of fs: its video's place in the listing */
    size_t key_cap, keyed;
    long kept_rows;
    int rc;             /* first failure (exit code) */
} feat_resume;

/* Opens the output's directory and reads the previous file if there is one; a file of another
 * format, backbone or width is refused (exit 2). Then in->resume = &fr->out makes the listing
 * select the videos still to compute. 0, or an exit code after printing why. */
int feat_resume_open(feat_resume *fr, const char *cmd, const char *path, int csv, feat_set *fs, abaw_names *names);
/* After each frame (with or without rows) of input (video: its folder name or ""): keys the rows
 * appended since the last call and replaces the file when every video begun is complete. */
void feat_resume_frame(feat_resume *fr, const char *input, const char *video);
/* The final replacement. 0 or an exit code. */
int feat_resume_finish(feat_resume *fr);
void feat_resume_close(feat_resume *fr);

#endif
