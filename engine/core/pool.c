/*
 * pool.c — a small fork-join thread pool on POSIX threads.
 *
 * emoc__parallel_for(pool, n, fn, arg) runs fn(arg, task) for every task in [0, n) and returns
 * when all are done. The calling thread takes part as thread 0.
 *
 * Home ranges and stealing: task t belongs to thread t·T/n (contiguous blocks, the caller's
 * first), and each thread claims its own block from the front through a claim word on its own
 * cache line, then takes what is left of the other blocks from their backs. Ops split by pixel
 * rows (GEMM by pixels, convolutions by output rows), so every op gives the caller the top of
 * the frame and the worker the bottom, and each core mostly reads what it wrote itself; on the
 * machine of docs/performance.md a cache line written by the other core costs ~200 ns and an
 * activation it wrote is read at a third of the local L2 rate, and the single shared claim word
 * and done counter of the earlier pool bounced between the cores on every task. Completion is
 * counted per thread too (each thread adds to its own line; the caller compares the sum with
 * its running total), so a round moves a handful of cache lines between the cores.
 * Which thread runs a task can still vary (stealing), but kernels write disjoint outputs
 * computed the same way whatever thread runs them: results are bitwise identical for any
 * thread count.
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

/* One thread's claim word and completion count, alone on a cache line. Claim word: job id
 * (24 bits) | end of the unclaimed block (20 bits) | its start (20 bits); the owner claims at
 * the start, others at the end, and a thread only claims a task of the job it read, so a late
 * worker never runs a task twice. `done` counts the tasks this thread finished, ever. */
typedef struct {
    _Alignas(64) _Atomic uint64_t claim;
    atomic_uint done;
} pool_slot;

struct emoc_pool {
    /* Written by the caller once per job, read by the workers. */
    _Alignas(64) atomic_uint generation; /* bumped for every job (wakes workers) */
    atomic_int stop;
    atomic_int flush_denormals;    /* workers follow it before each job */
    emoc_task_fn fn;
    void *arg;
    /* The caller's own bookkeeping and the sleep path. */
    _Alignas(64) atomic_int sleepers; /* workers blocked (or about to block) on `wake` */
    atomic_int next_id;            /* worker ids, handed out at start */
    unsigned job;                  /* id of the last job (caller only) */
    unsigned total;                /* tasks of all jobs so far (caller only; wraps) */
    const emoc_allocator *alloc;
    int n_threads;                 /* including the caller */
    pthread_t *workers;            /* n_threads - 1 */
    pool_slot *slots;              /* n_threads: the caller's is slots[0] */
    pthread_mutex_t mu;
    pthread_cond_t wake;
};

#define TASK_BITS 20
#define TASK_MASK ((1u << TASK_BITS) - 1)

/* Claims one task of slot s (from the front or the back of its block) and runs it; 0 when the
 * block is empty. */
static int run_one(emoc_pool *p, pool_slot *s, pool_slot *mine, int from_back)
{
    uint64_t v = atomic_load_explicit(&s->claim, memory_order_acquire);
    uint32_t t;
    for (;;) {
        uint64_t job = v >> (2 * TASK_BITS);
        uint32_t hi = (uint32_t)(v >> TASK_BITS) & TASK_MASK, lo = (uint32_t)v & TASK_MASK;
        if (lo >= hi) return 0;
        t = from_back ? hi - 1 : lo;
        uint64_t next = (job << (2 * TASK_BITS)) | ((uint64_t)(from_back ? hi - 1 : hi) << TASK_BITS) |
                        (from_back ? lo : lo + 1);
        if (atomic_compare_exchange_weak_explicit(&s->claim, &v, next, memory_order_acq_rel,
                                                  memory_order_acquire))
            break; /* else v reloaded: another thread claimed, or a new job started */
    }
    p->fn(p->arg, (int)t);
    /* Only this thread writes `mine->done`: a plain increment published with release. */
    atomic_store_explicit(&mine->done, atomic_load_explicit(&mine->done, memory_order_relaxed) + 1,
                          memory_order_release);
    return 1;
}

/* Thread `self` runs its own block from the front, then the others' blocks from their backs
 * (the nearest block first), until no task is left unclaimed. */
static void run_tasks(emoc_pool *p, int self)
{
    pool_slot *mine = &p->slots[self];
    while (run_one(p, mine, mine, 0)) {
    }
    for (int k = 1; k < p->n_threads; k++) {
        pool_slot *other = &p->slots[(self + k) % p->n_threads];
        while (run_one(p, other, mine, 1)) {
        }
    }
}

static void *worker_main(void *arg)
{
    emoc_pool *p = arg;
    const int self = atomic_fetch_add(&p->next_id, 1);
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
        run_tasks(p, self);
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
    p->fn = NULL;
    p->arg = NULL;
    p->job = 0;
    p->total = 0;
    atomic_init(&p->generation, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->next_id, 1);
    atomic_init(&p->flush_denormals, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->slots = emoc__alloc(a, sizeof(pool_slot) * (size_t)threads, 64);
    if (!p->slots) {
        p->n_threads = 1; /* no worker to join */
        emoc__pool_free(p);
        return EMOC_E_NOMEM;
    }
    for (int i = 0; i < threads; i++) {
        atomic_init(&p->slots[i].claim, 0);
        atomic_init(&p->slots[i].done, 0);
    }
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
    emoc__free(p->alloc, p->slots);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    emoc__free(p->alloc, p);
}

void emoc__pool_set_flush_denormals(emoc_pool *p, int on)
{
    if (p) atomic_store(&p->flush_denormals, on ? 1 : 0);
}

int emoc__pool_threads(const emoc_pool *pool) { return pool ? pool->n_threads : 1; }

/* Tasks finished by all threads, ever (wraps like p->total). */
static unsigned tasks_done(const emoc_pool *p)
{
    unsigned sum = 0;
    for (int i = 0; i < p->n_threads; i++)
        sum += atomic_load_explicit(&p->slots[i].done, memory_order_acquire);
    return sum;
}

void emoc__parallel_for(emoc_pool *p, int n_tasks, emoc_task_fn fn, void *arg)
{
    if (n_tasks <= 0) return;
    if (!p || p->n_threads == 1 || n_tasks == 1 || n_tasks > (int)TASK_MASK) {
        for (int t = 0; t < n_tasks; t++) fn(arg, t);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    p->job = (p->job + 1) & 0xffffff;
    p->total += (unsigned)n_tasks;
    /* Home blocks: thread i owns [ceil(n·i/T), ceil(n·(i+1)/T)), so with fewer tasks than
     * threads the caller's block is the one that is not empty. */
    const uint64_t T = (uint64_t)p->n_threads, n = (uint64_t)n_tasks;
    for (uint64_t i = 0; i < T; i++) {
        uint64_t lo = (n * i + T - 1) / T, hi = (n * (i + 1) + T - 1) / T;
        atomic_store_explicit(&p->slots[i].claim,
                              ((uint64_t)p->job << (2 * TASK_BITS)) | (hi << TASK_BITS) | lo,
                              memory_order_release);
    }
    atomic_fetch_add(&p->generation, 1); /* seq_cst: ordered before the sleepers read */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    run_tasks(p, 0);
    while (tasks_done(p) != p->total) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#else
        sched_yield();
#endif
    }
}
