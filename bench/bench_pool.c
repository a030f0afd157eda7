/*
 * bench_pool.c — the thread pool's own cost (engine/core/pool.c): the wall time of one
 * emoc__parallel_for round whose tasks do (almost) nothing, back to back as a forward pass issues
 * them, for 1..T threads and 1..16 tasks; and, for reference, the same rounds with tasks of a
 * fixed amount of arithmetic (so the split's overhead can be read against real work).
 *
 * Usage: bench_pool [--threads T] [--rounds N]     (default T = 2, N = 20000)
 * Prints CSV: threads,tasks,work_ns_per_task,median_round_ns,min_round_ns (medians of 7 batches of
 * N/7 rounds). On a shared machine a worker may be descheduled: compare the minima.
 */
#include "engine/core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int spin;                /* FMA-free arithmetic iterations per task */
    volatile float sink[64]; /* one slot per task, never shared by two tasks in a round */
} job;

static void task(void *arg, int t)
{
    job *j = arg;
    float v = (float)t;
    for (int i = 0; i < j->spin; i++) v = v * 0.999f + 1.0f;
    j->sink[t & 63] = v;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and minimum over 7 batches of the mean round time. */
static void time_rounds(emoc_pool *p, int tasks, job *j, long rounds, double *med, double *min)
{
    double batch[7];
    long per = rounds / 7 > 0 ? rounds / 7 : 1;
    for (int b = 0; b < 7; b++) {
        double t0 = now_ns();
        for (long r = 0; r < per; r++) emoc__parallel_for(p, tasks, task, j);
        batch[b] = (now_ns() - t0) / (double)per;
    }
    qsort(batch, 7, sizeof batch[0], cmp);
    *med = batch[3];
    *min = batch[0];
}

int main(int argc, char **argv)
{
    int max_threads = 2;
    long rounds = 20000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) max_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_pool [--threads T] [--rounds N]\n");
            return 2;
        }
    }
    if (max_threads < 1 || max_threads > 64 || rounds < 7) {
        fprintf(stderr, "bench_pool: --threads 1..64, --rounds >= 7\n");
        return 2;
    }
    static job j;
    /* calibrate: iterations for ~1 µs of one task on this thread */
    j.spin = 1000;
    double t0 = now_ns();
    for (int r = 0; r < 1000; r++) task(&j, 0);
    int per_us = (int)(1000.0 * 1000.0 / ((now_ns() - t0) / 1000.0));
    printf("threads,tasks,work_ns_per_task,median_round_ns,min_round_ns\n");
    static const int task_counts[] = {1, 2, 4, 8, 16};
    static const int work_us[] = {0, 1, 5};
    for (int t = 1; t <= max_threads; t++) {
        emoc_pool *p = NULL;
        if (emoc__pool_create(&emoc__default_allocator, t, &p) != EMOC_OK) {
            fprintf(stderr, "bench_pool: cannot create a pool of %d threads\n", t);
            return 1;
        }
        for (size_t w = 0; w < sizeof work_us / sizeof work_us[0]; w++)
            for (size_t k = 0; k < sizeof task_counts / sizeof task_counts[0]; k++) {
                j.spin = work_us[w] * per_us;
                double med, min;
                time_rounds(p, task_counts[k], &j, work_us[w] ? rounds / 10 : rounds, &med, &min);
                printf("%d,%d,%d,%.0f,%.0f\n", t, task_counts[k], work_us[w] * 1000, med, min);
            }
        emoc__pool_free(p);
    }
    return 0;
}
