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

/* emoc__tasks_for (plan.h): up to 4 tasks per thread, never more than the units, none below the
 * grain; one thread or one unit is one task. */
Test(pool, task_count_follows_units_and_grain)
{
    emoc_pool *p1 = NULL, *p2 = NULL;
    cr_assert_eq(emoc__pool_create(&emoc__default_allocator, 1, &p1), EMOC_OK);
    cr_assert_eq(emoc__pool_create(&emoc__default_allocator, 2, &p2), EMOC_OK);
    emoc_exec_ctx one = {.pool = p1}, two = {.pool = p2};
    cr_assert_eq(emoc__tasks_for(&one, 100, 1e9), 1);
    cr_assert_eq(emoc__tasks_for(&two, 1, 1e9), 1);
    cr_assert_eq(emoc__tasks_for(&two, 100, 1e9), 2 * EMOC_TASKS_PER_THREAD);
    cr_assert_eq(emoc__tasks_for(&two, 3, 1e9), 3);
    cr_assert_eq(emoc__tasks_for(&two, 100, 1.5 * EMOC_TASK_GRAIN_NS), 1, "below two grains: whole");
    cr_assert_eq(emoc__tasks_for(&two, 100, 3.5 * EMOC_TASK_GRAIN_NS), 3);
    two.task_grain_ns = 1e-3;
    cr_assert_eq(emoc__tasks_for(&two, 5, 100.0), 5, "a tiny grain splits to the units");
    emoc__pool_free(p1);
    emoc__pool_free(p2);
}
