/*
 * progress.h — progress and the end-of-run summary for commands that run over frames.
 *   PROGRESS_AUTO: a bar with frames/s and ETA on stderr when stderr is a terminal, else nothing;
 *   PROGRESS_KV (--progress): ffmpeg-style key=value blocks on stderr about once a second
 *     (frame=, rows=, errors=, fps=, elapsed_s=, total=, progress=continue|end);
 *   PROGRESS_QUIET (-q): nothing, not even the summary.
 * The summary line (stderr) counts frames in, rows out and errors per status, e.g.
 *   "emoc predict: frames_in=120 rows_out=120 errors=2 (decode_error=1 truncated=1) 0.52 s",
 * preceded by "interrupted after N frames (SIGINT): " or "output failed, rows were lost: " when
 * so, and followed by " fp=ftz" when denormals were flushed.
 */
#ifndef EMOC_TOOLS_PROGRESS_H
#define EMOC_TOOLS_PROGRESS_H

#include "engine/image/input_iter.h"
#include <stdio.h>

typedef enum progress_mode { PROGRESS_AUTO = 0, PROGRESS_KV = 1, PROGRESS_QUIET = 2, PROGRESS_BAR = 3 } progress_mode;

#define PROGRESS_N_STATUS 10 /* every emoc__input_status */

typedef struct progress {
    const char *cmd;
    progress_mode mode;     /* resolved: AUTO becomes BAR or QUIET-with-summary */
    int show_summary;
    FILE *out;
    long total;             /* -1 unknown */
    long frames_in, rows_out, errors;
    long per_status[PROGRESS_N_STATUS];
    double t_start, t_last;
    int drawn;
    int interrupted;        /* the signal that stopped the run, or 0 */
    int output_failed;      /* rows could not be written: the summary says so first */
    int ftz;                /* denormals flushed (--ftz): recorded in the summary */
} progress;

/* out: NULL = stderr. total: expected frames or -1. */
void progress_init(progress *p, const char *cmd, progress_mode mode, long total, FILE *out);
void progress_frame_in(progress *p);
void progress_row_out(progress *p, emoc__input_status st);
/* Final progress block / clears the bar, then prints the summary line (unless quiet). */
void progress_finish(progress *p);
long progress_errors(const progress *p);

#endif
