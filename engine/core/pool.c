/*
 * pool.c — a small fork-join thread pool on POSIX threads.
 *
 * emoc__parallel_for(pool, n, fn, arg) runs fn(arg, task) for every task in [0, n) and returns
 * when all are done. The calling thread takes part. Tasks are claimed from an atomic range: the
 * caller takes them from the front, the workers from the back. Ops split by pixel rows (GEMM by
 * pixels, convolutions by output rows), so the caller keeps computing the top of the frame and a
 * worker the bottom from one op to the next, and each mostly reads what its own core's cache
 * holds (claiming in one order sent each op's rows to either core and its input across them).
 * Which thread runs a task still varies, but kernels write disjoint outputs computed the same
 * way whatever thread runs them: results are bitwise identical for any thread count.
 * Workers spin briefly after a job (ops follow each other within microseconds during a forward
 * pass), then sleep on a condition variable. The caller takes the mutex and signals only when
 * some worker is asleep (`sleepers`), so back-to-back jobs cost no lock (Dekker-style handshake:
 * both sides write their flag, then read the other's, sequentially consistent).
 */
#include "engine/core/core.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define SPIN_ROUNDS 20000

struct emoc_pool {
    const emoc_allocator *alloc;
    int n_threads;                 /* including the caller */
    pthread_t *workers;            /* n_threads - 1 */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    atomic_uint generation;        /* bumped for every job (wakes workers) */
    /* Claim word: job id (24 bits) | end of the unclaimed range (20 bits) | its start (20 bits).
     * A thread can only claim a task of the job it read, so a late worker never runs a task
     * twice. */
    _Atomic uint64_t claim;
    atomic_int done_tasks;
    atomic_int stop;
    atomic_int sleepers;           /* workers blocked (or about to block) on `wake` */
    atomic_int flush_denormals;    /* workers follow it before each job */
    int n_tasks;
    emoc_task_fn fn;
    void *arg;
};

#define TASK_BITS 20
#define TASK_MASK ((1u << TASK_BITS) - 1)

/* Claims and runs tasks of the current job until none is left: from the front of the range
 * (the caller) or from its back (workers). */
static void run_tasks(emoc_pool *p, int from_back)
{
    uint64_t v = atomic_load_explicit(&p->claim, memory_order_acquire);
    for (;;) {
        uint64_t job = v >> (2 * TASK_BITS);
        uint32_t hi = (uint32_t)(v >> TASK_BITS) & TASK_MASK, lo = (uint32_t)v & TASK_MASK;
        if (lo >= hi) return;
        uint32_t t = from_back ? hi - 1 : lo;
        uint64_t next = (job << (2 * TASK_BITS)) | ((uint64_t)(from_back ? hi - 1 : hi) << TASK_BITS) |
                        (from_back ? lo : lo + 1);
        if (!atomic_compare_exchange_weak_explicit(&p->claim, &v, next, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue; /* v reloaded: another thread claimed, or a new job started */
        p->fn(p->arg, (int)t);
        atomic_fetch_add_explicit(&p->done_tasks, 1, memory_order_acq_rel);
        v = atomic_load_explicit(&p->claim, memory_order_acquire);
    }
}

static void *worker_main(void *arg)
{
    emoc_pool *p = arg;
    unsigned seen = atomic_load(&p->generation);
    int flushing = 0;
    unsigned long ieee_state = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&p->generation, memory_order_acquire) == seen &&
               !atomic_load(&p->stop)) {
            if (++spins < SPIN_ROUNDS) {
#if defined(__x86_64__)
                __builtin_ia32_pause();
#endif
                continue;
            }
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->wake, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = atomic_load(&p->generation);
        if (atomic_load_explicit(&p->flush_denormals, memory_order_relaxed) != flushing) {
            flushing = !flushing;
            if (flushing) ieee_state = emoc__fp_flush_begin();
            else emoc__fp_restore(ieee_state);
        }
        run_tasks(p, 1);
    }
}

emoc_status emoc__pool_create(const emoc_allocator *a, int threads, emoc_pool **out)
{
    *out = NULL;
    if (threads < 1) threads = 1;
    emoc_pool *p = emoc__alloc(a, sizeof(*p), 64);
    if (!p) return EMOC_E_NOMEM;
    p->alloc = a;
    p->n_threads = threads;
    p->workers = NULL;
    p->n_tasks = 0;
    p->fn = NULL;
    p->arg = NULL;
    atomic_init(&p->generation, 0);
    atomic_init(&p->claim, 0);
    atomic_init(&p->done_tasks, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->flush_denormals, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (threads > 1) {
        p->workers = emoc__alloc(a, sizeof(pthread_t) * (size_t)(threads - 1), 64);
        if (!p->workers) {
            emoc__pool_free(p);
            return EMOC_E_NOMEM;
        }
        for (int i = 0; i < threads - 1; i++) {
            if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) {
                p->n_threads = i + 1; /* free() joins the ones that started */
                emoc__pool_free(p);
                return EMOC_E_NOMEM;
            }
        }
    }
    *out = p;
    return EMOC_OK;
}

void emoc__pool_free(emoc_pool *p)
{
    if (!p) return;
    if (p->workers) {
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->stop, 1);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->n_threads - 1; i++) pthread_join(p->workers[i], NULL);
        emoc__free(p->alloc, p->workers);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    emoc__free(p->alloc, p);
}

void emoc__pool_set_flush_denormals(emoc_pool *p, int on)
{
    if (p) atomic_store(&p->flush_denormals, on ? 1 : 0);
}

int emoc__pool_threads(const emoc_pool *pool) { return pool ? pool->n_threads : 1; }

void emoc__parallel_for(emoc_pool *p, int n_tasks, emoc_task_fn fn, void *arg)
{
    if (n_tasks <= 0) return;
    if (!p || p->n_threads == 1 || n_tasks == 1 || n_tasks > (int)TASK_MASK) {
        for (int t = 0; t < n_tasks; t++) fn(arg, t);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    p->n_tasks = n_tasks;
    atomic_store(&p->done_tasks, 0);
    uint64_t job = ((atomic_load(&p->claim) >> (2 * TASK_BITS)) + 1) & 0xffffff;
    atomic_store_explicit(&p->claim, (job << (2 * TASK_BITS)) | ((uint64_t)n_tasks << TASK_BITS),
                          memory_order_release);
    atomic_fetch_add(&p->generation, 1); /* seq_cst: ordered before the sleepers read */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    run_tasks(p, 0);
    while (atomic_load_explicit(&p->done_tasks, memory_order_acquire) < n_tasks) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#else
        sched_yield();
#endif
    }
}
