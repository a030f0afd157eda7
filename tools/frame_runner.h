/*
 * frame_runner.h — runs every frame of an input iterator through a model and hands the results
 * back strictly in input order, with the thread pool spent either inside each frame's ops or
 * across frames (measurements and the default rule: top of frame_runner.c).
 *
 *   FRAME_BATCH_OPS:    one session with T threads, frames one at a time (parallel inside ops);
 *   FRAME_BATCH_FRAMES: T worker threads, each with its own single-threaded session on the shared
 *                       (immutable) model, up to 2·T frames in flight; preprocessing and the
 *                       forward pass run in the workers, results go through a reorder buffer;
 *   FRAME_BATCH_AUTO:   frame_batch_resolve() picks one.
 *
 * Every item the iterator yields produces exactly one `emit` call, in input order, whatever its
 * status; emit runs on one thread at a time, so it may write and flush output directly. Results
 * are bitwise identical between modes and thread counts (emoc guarantees thread-count
 * invariance; preprocessing is single-threaded in both modes).
 */
#ifndef EMOC_TOOLS_FRAME_RUNNER_H
#define EMOC_TOOLS_FRAME_RUNNER_H

#include "tools/inputs.h"
#include "tools/progress.h"

typedef enum frame_batch_mode { FRAME_BATCH_AUTO = 0, FRAME_BATCH_OPS = 1, FRAME_BATCH_FRAMES = 2 } frame_batch_mode;

/* "auto", "ops", "frames" → 0; else -1. */
int frame_batch_mode_parse(const char *s, frame_batch_mode *mode);
const char *frame_batch_mode_name(frame_batch_mode mode);
/* What AUTO means for `threads` workers and `total` frames (-1: unknown, e.g. a stream). */
frame_batch_mode frame_batch_resolve(frame_batch_mode mode, int threads, long total);

/* One frame as the callbacks see it; the strings are owned by the runner. */
typedef struct frame_job {
    long index;                 /* 0-based input position */
    long position;              /* position in the whole listing (emoc__input_item.position) */
    const char *input, *video;  /* never NULL */
    long frame;                 /* -1 when unknown */
    int face_id, has_box, box[4];
    int width, height;          /* decoded (cropped) image size, 0 when it failed */
    emoc__input_status status;  /* after decode, preprocessing and the forward pass */
    const char *status_name;    /* emoc__input_status_name(status), or "run_error" */
    char message[600];          /* "" when ok */
} frame_job;

/* Called in a worker right after the forward pass (out == NULL unless status is ok; out's
 * pointers are valid only during the call). Returns a malloc'ed result for emit, or NULL. */
typedef void *(*frame_finish_fn)(void *user, const frame_job *job, const emoc_output *out);
/* Called in input order, one call at a time; owns (and frees) result. */
typedef void (*frame_emit_fn)(void *user, const frame_job *job, void *result);

typedef struct frame_runner_config {
    const emoc_model *model;
    const emoc_model_info *info;  /* input size, mean/std */
    emoc_resize_mode resize;
    int threads;                  /* ≥ 1 */
    frame_batch_mode mode;        /* AUTO is resolved with emoc__input_total() */
    progress *pg;                 /* frame_in at fetch, row_out after each emit; may be NULL */
    frame_finish_fn finish;
    frame_emit_fn emit;
    void *user;
    /* Polled before each fetch (may be NULL): nonzero stops fetching; the frames in flight
     * still finish and are emitted (a signal, or an output that can no longer be written). */
    int (*stop)(void *user);
} frame_runner_config;

/* Runs all items of it. Fails only on setup (sessions, threads, memory), before any emit. */
emoc_status frame_runner_run(const frame_runner_config *cfg, emoc__input_iter *it, emoc_error *err);

#endif
