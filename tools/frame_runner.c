/*
 * frame_runner.c — the frame loop shared by `emoc predict` and `emoc features` (frame_runner.h):
 * threads inside each frame's ops, or across frames with a reorder buffer.
 *
 * Two modes (frame_batch_resolve): AUTO runs across frames when threads > 1 and there are at
 * least as many frames as threads or the count is unknown (a raw stream); otherwise (one image,
 * few images, T = 1) inside ops, where latency per frame matters. Across frames each frame costs
 * the 1-thread CPU time; inside ops costs more (pool hand-offs on small ops), so with free cores
 * frames mode wins and it never loses when they are busy: the measurements are in
 * docs/frame-batching.md.
 * Rows are bitwise identical in every mode (tests/frames/test_frames.c; checked on all
 * three models with T = 1, 2, 3: same md5 of the CSV).
 *
 * Design: the fetch (emoc__input_next) is serialised under a fetch lock of its own (never the
 * lock that emits rows: a read blocked on an idle stream must not hold back finished rows). With
 * several workers a file that goes straight into the model's resize is not decoded there: the
 * worker that takes it decodes it (emoc__input_defer_decode, docs/frame-batching.md); crops
 * (--boxes) and raw frames are copied under the lock. Decoding, resize, normalisation, the
 * forward pass and the caller's `finish` (row formatting) run in parallel.
 * A worker may fetch frame k only while k < written + window, which bounds memory to `window`
 * pending results however slow one frame is.
 */
#include "tools/frame_runner.h"

#include "engine/base/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int frame_batch_mode_parse(const char *s, frame_batch_mode *mode)
{
    if (!strcmp(s, "auto")) *mode = FRAME_BATCH_AUTO;
    else if (!strcmp(s, "ops")) *mode = FRAME_BATCH_OPS;
    else if (!strcmp(s, "frames")) *mode = FRAME_BATCH_FRAMES;
    else return -1;
    return 0;
}

const char *frame_batch_mode_name(frame_batch_mode mode)
{
    return mode == FRAME_BATCH_OPS ? "ops" : mode == FRAME_BATCH_FRAMES ? "frames" : "auto";
}

frame_batch_mode frame_batch_resolve(frame_batch_mode mode, int threads, long total)
{
    if (mode != FRAME_BATCH_AUTO) return mode;
    if (threads <= 1) return FRAME_BATCH_OPS;
    /* Across frames needs at least as many frames as workers to keep them busy; a stream
     * (total unknown) is assumed long. */
    return total < 0 || total >= threads ? FRAME_BATCH_FRAMES : FRAME_BATCH_OPS;
}

typedef struct slot {
    int ready;
    frame_job job;
    void *result;
} slot;

typedef struct runner {
    const frame_runner_config *cfg;
    emoc__input_iter *it;
    pthread_mutex_t mu;           /* ring, counters, eof, progress */
    pthread_mutex_t fetch_mu;     /* the iterator: one fetch at a time, outside mu */
    pthread_cond_t cv;
    long fetched, written;
    int eof, window;
    slot *ring;
    size_t n;                 /* values per input tensor */
} runner;

typedef struct worker {
    runner *r;
    emoc_session *s;
    float *x;     /* the input tensor, inside block */
    void *block;  /* the session's arena, then x */
    pthread_t tid;
} worker;

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s ? s : "", n);
    return d;
}

static void set_msg(frame_job *job, const char *msg)
{
    size_t n = strlen(msg);
    if (n >= sizeof job->message) n = sizeof job->message - 1;
    memcpy(job->message, msg, n);
    job->message[n] = 0;
}

static void job_free(frame_job *job)
{
    free((char *)job->input);
    free((char *)job->video);
    job->input = job->video = NULL;
}

/* Under the lock: copies what the item owns (valid only until the next fetch). */
static void job_from_item(frame_job *job, const emoc__input_item *item, emoc_image *img)
{
    memset(job, 0, sizeof *job);
    job->index = item->index;
    job->position = item->position;
    job->frame = item->frame;
    job->face_id = item->face_id;
    job->has_box = item->has_box;
    memcpy(job->box, item->box, sizeof job->box);
    job->status = item->status;
    set_msg(job, item->message);
    char *in = dup_str(item->input), *vid = dup_str(item->video);
    memset(img, 0, sizeof *img);
    if (item->status == EMOC_INPUT_OK && !item->deferred) {
        size_t bytes = (size_t)item->image.width * (size_t)item->image.height * (size_t)item->image.channels;
        img->pixels = malloc(bytes ? bytes : 1);
        if (img->pixels) {
            memcpy(img->pixels, item->image.pixels, bytes);
            img->width = item->image.width;
            img->height = item->image.height;
            img->channels = item->image.channels;
            job->width = item->src_width; /* the frame's size even when it comes resized */
            job->height = item->src_height;
        }
    }
    if (!in || !vid || (item->status == EMOC_INPUT_OK && !item->deferred && !img->pixels)) {
        job->status = EMOC_INPUT_IO_ERROR;
        set_msg(job, "out of memory while queueing the frame");
    }
    /* the job must always name its input, even without memory for a copy */
    job->input = in ? in : dup_str("");
    job->video = vid ? vid : dup_str("");
}

/* Outside the lock: a deferred decode (emoc__input_defer_decode); status and message as the
 * iterator's own decode would give them (both messages hold 511 characters). */
static void decode_deferred(runner *r, frame_job *job, emoc_image *img)
{
    emoc_error e = {{0}};
    emoc__input_status status;
    if (emoc__input_decode_deferred(r->it, job->input, img, &job->width, &job->height, &status, &e) == EMOC_OK)
        return;
    job->status = status;
    set_msg(job, e.msg);
}

/* Outside the lock: preprocess, forward pass, the caller's finish. */
static void *process(worker *w, frame_job *job, emoc_image *img, int deferred)
{
    const frame_runner_config *c = w->r->cfg;
    emoc_output out;
    emoc_error err = {{0}};
    if (deferred && job->status == EMOC_INPUT_OK) decode_deferred(w->r, job, img);
    if (job->status == EMOC_INPUT_OK &&
        emoc_image_preprocess(img, c->info->input_size, c->info->mean, c->info->std, c->resize, w->x,
                              w->r->n, &err) != EMOC_OK) {
        job->status = EMOC_INPUT_DECODE_ERROR;
        set_msg(job, err.msg);
    }
    free(img->pixels);
    img->pixels = NULL;
    job->status_name = emoc__input_status_name(job->status);
    if (job->status == EMOC_INPUT_OK) {
        emoc_status rs = emoc_session_run(w->s, w->x, w->r->n, &out);
        if (rs != EMOC_OK) {
            job->status = inputs_run_status(rs, w->x, w->r->n);
            job->status_name = emoc__input_status_name(job->status);
            set_msg(job, emoc_session_last_error(w->s));
        }
    }
    return c->finish(c->user, job, job->status == EMOC_INPUT_OK ? &out : NULL);
}

/* Under the lock: files a finished job and emits every row that is now next in order. */
static void complete(runner *r, long seq, frame_job *job, void *result)
{
    slot *s = &r->ring[seq % r->window];
    s->job = *job;
    s->result = result;
    s->ready = 1;
    for (;;) {
        slot *h = &r->ring[r->written % r->window];
        if (!h->ready) break;
        r->cfg->emit(r->cfg->user, &h->job, h->result);
        if (r->cfg->pg) progress_row_out(r->cfg->pg, h->job.status);
        job_free(&h->job);
        h->ready = 0;
        h->result = NULL;
        r->written++;
    }
    pthread_cond_broadcast(&r->cv);
}

/* The fetch (a read that may block on an idle stream) holds only fetch_mu, never mu: a worker
 * that finishes a frame meanwhile can still emit its row, so on a live stream every row is out
 * as soon as its frame is done, not when the next frame arrives. */
static void *worker_main(void *arg)
{
    worker *w = arg;
    runner *r = w->r;
    for (;;) {
        pthread_mutex_lock(&r->fetch_mu);
        pthread_mutex_lock(&r->mu);
        while (!r->eof && r->fetched - r->written >= r->window) pthread_cond_wait(&r->cv, &r->mu);
        if (!r->eof && r->cfg->stop && r->cfg->stop(r->cfg->user)) r->eof = 1;
        int eof = r->eof;
        pthread_mutex_unlock(&r->mu);
        emoc__input_item item;
        int got = !eof && emoc__input_next(r->it, &item);
        pthread_mutex_lock(&r->mu);
        if (!got) {
            r->eof = 1;
            pthread_cond_broadcast(&r->cv);
            pthread_mutex_unlock(&r->mu);
            pthread_mutex_unlock(&r->fetch_mu);
            break;
        }
        if (r->cfg->pg) progress_frame_in(r->cfg->pg);
        long seq = r->fetched++;
        frame_job job;
        emoc_image img;
        job_from_item(&job, &item, &img); /* item stays valid while fetch_mu is held */
        int deferred = item.deferred && job.status == EMOC_INPUT_OK;
        pthread_mutex_unlock(&r->mu);
        pthread_mutex_unlock(&r->fetch_mu);
        void *result = process(w, &job, &img, deferred);
        pthread_mutex_lock(&r->mu);
        complete(r, seq, &job, result);
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

static emoc_status setup_fail(emoc_error *err, emoc_status st, const char *msg)
{
    if (err) snprintf(err->msg, sizeof err->msg, "frame runner: %s", msg);
    return st;
}

/* One block for a worker's session arena and its input tensor, from the library's default
 * allocator: a block of 2 MiB or more goes on transparent huge pages (engine/base/alloc.c), so
 * the input tensor lands in the arena's last huge page, which the forward pass touches anyway,
 * instead of ~37 fresh 4 KiB pages (MobileFaceNet; each first touch is a ~11 us page fault on
 * this VM, docs/startup.md). */
static emoc_status worker_setup(worker *w, const emoc_model *m, int threads, size_t n, emoc_error *err)
{
    size_t arena = (emoc_model_arena_size(m, threads) + 63) & ~(size_t)63;
    w->block = emoc__alloc(&emoc__default_allocator, arena + n * sizeof(float), 64);
    if (!w->block) return setup_fail(err, EMOC_E_NOMEM, "out of memory for the arena and input tensor");
    w->x = (float *)((char *)w->block + arena);
    return emoc_session_create(m, threads, arena ? w->block : NULL, arena, &w->s, err);
}

emoc_status frame_runner_run(const frame_runner_config *cfg, emoc__input_iter *it, emoc_error *err)
{
    int threads = cfg->threads > 0 ? cfg->threads : 1;
    frame_batch_mode mode = frame_batch_resolve(cfg->mode, threads, emoc__input_total(it));
    int n_workers = mode == FRAME_BATCH_FRAMES ? threads : 1;
    int session_threads = mode == FRAME_BATCH_FRAMES ? 1 : threads;
    /* Across frames, each worker decodes its own file: only the fetch stays serial. */
    emoc__input_defer_decode(it, n_workers > 1);
    runner r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.it = it;
    r.window = 2 * n_workers;
    r.n = (size_t)3 * (size_t)cfg->info->input_size * (size_t)cfg->info->input_size;
    r.ring = calloc((size_t)r.window, sizeof *r.ring);
    worker *w = calloc((size_t)n_workers, sizeof *w);
    emoc_status st = r.ring && w ? EMOC_OK : setup_fail(err, EMOC_E_NOMEM, "out of memory");
    for (int i = 0; st == EMOC_OK && i < n_workers; i++) {
        w[i].r = &r;
        st = worker_setup(&w[i], cfg->model, session_threads, r.n, err);
    }
    if (st == EMOC_OK && (pthread_mutex_init(&r.mu, NULL) || pthread_mutex_init(&r.fetch_mu, NULL) ||
                          pthread_cond_init(&r.cv, NULL)))
        st = setup_fail(err, EMOC_E_NOMEM, "cannot create a mutex");
    int started = 0;
    if (st == EMOC_OK) {
        /* worker 0 is the calling thread: one worker (ops mode, T = 1) starts no thread */
        for (int i = 1; i < n_workers; i++, started++)
            if (pthread_create(&w[i].tid, NULL, worker_main, &w[i])) break;
        worker_main(&w[0]);
        for (int i = 1; i <= started; i++) pthread_join(w[i].tid, NULL);
        pthread_mutex_destroy(&r.mu);
        pthread_mutex_destroy(&r.fetch_mu);
        pthread_cond_destroy(&r.cv);
    }
    for (int i = 0; w && i < n_workers; i++) {
        emoc_session_free(w[i].s);
        emoc__free(&emoc__default_allocator, w[i].block);
    }
    free(w);
    free(r.ring);
    return st;
}
