/*
 * resume_out.h — the output file of a `--resume` run (docs/scale-out.md).
 *
 * The file only ever holds rows of complete units (shard.h): rows are collected in memory and
 * the file is replaced atomically — a temporary file beside it (".NAME.emoc-tmp"), then rename —
 * whenever every unit begun so far is complete (at most about once a second, and at the end), so
 * a killed run never leaves a half file that looks whole. A re-run with the same arguments keeps
 * the rows of every unit whose row count in the file equals its frame count in the listing and
 * computes the rest; rows of other inputs are dropped.
 *
 * Everything after resume_open goes through the directory descriptor it opens (openat,
 * renameat, read/write on descriptors), so a run sandboxed after setup can still commit.
 */
#ifndef EMOC_TOOLS_RESUME_OUT_H
#define EMOC_TOOLS_RESUME_OUT_H

#include <stdio.h>
#include <sys/types.h>

#include "tools/shard.h"

typedef struct resume_out {
    const char *cmd, *path;
    int jsonl;
    int dirfd;
    char *base, *tmp;       /* names inside dirfd */
    char *old;              /* the previous output (NUL-terminated), NULL when there was none */
    size_t old_len;
    int fd;                 /* the committed file (readable), -1 before the first commit */
    off_t committed;        /* its size */
    FILE *pending;          /* rows since the last commit */
    char *pbuf;
    size_t plen;
    double last_commit, last_cost; /* seconds (monotonic clock) */
    int scanned;
    unit_table units;       /* unit → listed / existing / remaining frame counts */
    unit_table paths;       /* input path → its unit (owner) */
    long n_units;           /* units listed so far (unit_entry.order) */
    int per_frame;          /* rows of one frame share its input (predict --detect: one row per
                             * face or a status row): count frames, i.e. runs of equal keys */
    /* Replaces resume_scan's reading of text rows (features: a binary or CSV feature file the
     * caller reads itself); it marks complete units with existing = listed. */
    void (*scan_hook)(void *user, struct resume_out *r);
    void *scan_user;
} resume_out;

/* Opens the output's directory and reads the previous output if there is one. 0, or an exit
 * code after printing why. */
int resume_open(resume_out *r, const char *cmd, const char *path, int jsonl);
/* Like resume_open without reading the previous output (the caller reads it: scan_hook). */
int resume_open_dir(resume_out *r, const char *cmd, const char *path);
/* Records one listed input frame (path, its unit). 0, or -1 on out of memory. */
int resume_list(resume_out *r, const char *path, const char *unit);
/* A previous CSV output with another header than this run writes (without "\n") is refused:
 * 0, or an exit code after printing why. No-op for JSON Lines. */
int resume_check_header(resume_out *r, const char *header);
/* After the listing (once; later calls do nothing): counts the previous output's rows per unit. */
void resume_scan(resume_out *r);
/* 1 when the previous output holds all of unit's rows (the run skips it). */
int resume_unit_done(const resume_out *r, const char *unit);
/* Writes the header and the kept rows and commits them. 0 or an exit code. */
int resume_start(resume_out *r, const char *header);
/* The stream rows go to (valid until the next resume_row_done). */
FILE *resume_rows(resume_out *r);
/* After each row of unit: commits when every unit begun is complete (rate-limited). 0 or an
 * exit code. */
int resume_row_done(resume_out *r, const char *unit);
/* After each frame (not row) of unit: 1 when every unit begun is complete, i.e. a point where
 * the output may be replaced; resume_row_done is this plus commit. */
int resume_unit_step(resume_out *r, const char *unit);
/* Replaces the whole output by what write(user, f) writes (0 or -1 on a write error), when force
 * or when the last replacement is old enough (the same rate as commits). 0 or an exit code. */
int resume_replace(resume_out *r, int force, int (*write)(void *user, FILE *f), void *user);
/* Final commit. 0 or an exit code. */
int resume_finish(resume_out *r);
void resume_close(resume_out *r);

#endif
