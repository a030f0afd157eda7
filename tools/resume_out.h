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
} resume_out;

/* Opens the output's directory and reads the previous output if there is one. 0, or an exit
 * code after printing why. */
int resume_open(resume_out *r, const char *cmd, const char *path, int jsonl);
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
/* Final commit. 0 or an exit code. */
int resume_finish(resume_out *r);
void resume_close(resume_out *r);

#endif
