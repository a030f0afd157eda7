/* test_planner.c — arena placement: live buffers never overlap, chains use the minimal arena. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/core/core.h"

static void make_chain(emoc_plan *p, emoc_buffer *bufs, emoc_op *ops, const size_t *sizes, int n)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < n; i++) {
        bufs[i] = (emoc_buffer){.h = 1, .w = 1, .c = 1, .bytes = sizes[i],
                                .first_op = i - 1, .last_op = i < n - 1 ? i : i - 1};
        if (i < n - 1) memset(&ops[i], 0, sizeof(ops[i]));
    }
    p->bufs = bufs;
    p->n_bufs = n;
    p->ops = ops;
    p->n_ops = n - 1;
    p->input_buf = 0;
    p->scores_buf = -1;
    p->embedding_buf = -1;
}

static void assert_no_live_overlap(const emoc_plan *p)
{
    for (int a = 0; a < p->n_bufs; a++)
        for (int b = a + 1; b < p->n_bufs; b++) {
            const emoc_buffer *x = &p->bufs[a], *y = &p->bufs[b];
            int live = x->first_op <= y->last_op && y->first_op <= x->last_op;
            int mem = x->offset < y->offset + y->bytes && y->offset < x->offset + x->bytes;
            cr_assert(!(live && mem), "buffers %d and %d are live together and overlap", a, b);
        }
}

Test(planner, chain_uses_two_largest_neighbours)
{
    /* buffer i is written by op i-1 and read by op i: a plain chain */
    size_t sizes[6] = {64, 640, 128, 1024, 192, 64};
    emoc_plan p;
    emoc_buffer bufs[6];
    emoc_op ops[5];
    make_chain(&p, bufs, ops, sizes, 6);
    char err[128];
    cr_assert_eq(emoc__plan_place(&p, &emoc__default_allocator, err, sizeof(err)), EMOC_OK);
    assert_no_live_overlap(&p);
    size_t best = 0;
    for (int i = 0; i + 1 < 6; i++)
        if (sizes[i] + sizes[i + 1] > best) best = sizes[i] + sizes[i + 1];
    cr_assert_eq(p.arena_bytes, best, "arena %zu, minimal %zu", p.arena_bytes, best);
}

Test(planner, long_lived_buffer_is_never_overwritten)
{
    /* buffer 1 is read again by the last op (a residual): it must not share memory with 2..4 */
    size_t sizes[5] = {256, 256, 256, 256, 256};
    emoc_plan p;
    emoc_buffer bufs[5];
    emoc_op ops[4];
    make_chain(&p, bufs, ops, sizes, 5);
    bufs[1].last_op = 3;
    char err[128];
    cr_assert_eq(emoc__plan_place(&p, &emoc__default_allocator, err, sizeof(err)), EMOC_OK);
    assert_no_live_overlap(&p);
    cr_assert_eq(p.arena_bytes, 3 * 256);
    for (int i = 2; i <= 4; i++)
        cr_assert_neq(bufs[1].offset, bufs[i].offset);
}
