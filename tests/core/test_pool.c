/* test_pool.c — the thread pool runs every task exactly once, for any thread count. */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "engine/core/core.h"

typedef struct {
    atomic_int hits[257];
    atomic_int calls;
} counter;

static void count_task(void *arg, int t)
{
    counter *c = arg;
    atomic_fetch_add(&c->hits[t], 1);
    atomic_fetch_add(&c->calls, 1);
}

Test(pool, every_task_exactly_once_for_1_to_4_threads)
{
    for (int threads = 1; threads <= 4; threads++) {
        emoc_pool *p = NULL;
        cr_assert_eq(emoc__pool_create(&emoc__default_allocator, threads, &p), EMOC_OK);
        cr_assert_eq(emoc__pool_threads(p), threads);
        for (int round = 0; round < 300; round++) {
            int n = 1 + (round * 37) % 257;
            counter c;
            for (int i = 0; i < 257; i++) atomic_init(&c.hits[i], 0);
            atomic_init(&c.calls, 0);
            emoc__parallel_for(p, n, count_task, &c);
            cr_assert_eq(atomic_load(&c.calls), n, "threads %d round %d", threads, round);
            for (int i = 0; i < n; i++)
                cr_assert_eq(atomic_load(&c.hits[i]), 1, "task %d of %d ran %d times", i, n,
                             atomic_load(&c.hits[i]));
        }
        emoc__pool_free(p);
    }
}

Test(pool, zero_tasks_and_null_pool_are_fine)
{
    counter c;
    for (int i = 0; i < 257; i++) atomic_init(&c.hits[i], 0);
    atomic_init(&c.calls, 0);
    emoc__parallel_for(NULL, 5, count_task, &c);
    cr_assert_eq(atomic_load(&c.calls), 5);
    emoc__parallel_for(NULL, 0, count_task, &c);
    cr_assert_eq(atomic_load(&c.calls), 5);
}
