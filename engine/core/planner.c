/*
 * planner.c — activation memory planning.
 *
 * Each buffer lives from the op that first writes it to the last op that reads or writes it
 * (the input from before op 0; the scores and embedding until after the last op, so callers
 * can read them). Buffers are placed greedily, largest first, at the lowest 64-byte-aligned
 * offset that does not overlap any already placed buffer whose lifetime intersects its own.
 * On a chain this gives the minimal arena (two largest neighbours).
 */
#include "engine/core/core.h"

#include <string.h>

static int lifetimes_overlap(const emoc_buffer *a, const emoc_buffer *b)
{
    return a->first_op <= b->last_op && b->first_op <= a->last_op;
}

emoc_status emoc__plan_place(emoc_plan *p, const emoc_allocator *al, char *err, size_t errlen)
{
    int n = p->n_bufs;
    p->arena_bytes = 0;
    if (n == 0) return EMOC_OK;
    if (p->scores_buf >= 0) p->bufs[p->scores_buf].last_op = p->n_ops;
    if (p->embedding_buf >= 0) p->bufs[p->embedding_buf].last_op = p->n_ops;
    for (int k = 0; k < p->n_extra_out; k++) p->bufs[p->extra_out[k]].last_op = p->n_ops;
    int *order = emoc__alloc(al, sizeof(int) * (size_t)n * 2, 16);
    if (!order) {
        emoc__set_err(err, errlen, "out of memory planning %d buffers", n);
        return EMOC_E_NOMEM;
    }
    int *placed = order + n;
    for (int i = 0; i < n; i++) order[i] = i;
    /* insertion sort by size descending, ties by id (deterministic) */
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i - 1;
        while (j >= 0 && (p->bufs[order[j]].bytes < p->bufs[v].bytes)) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
    int n_placed = 0;
    for (int i = 0; i < n; i++) {
        emoc_buffer *b = &p->bufs[order[i]];
        size_t offset = 0;
        /* Repeat until a full pass over the conflicting buffers moves nothing. */
        for (int moved = 1; moved;) {
            moved = 0;
            for (int k = 0; k < n_placed; k++) {
                const emoc_buffer *o = &p->bufs[placed[k]];
                if (!lifetimes_overlap(b, o)) continue;
                if (offset < o->offset + o->bytes && o->offset < offset + b->bytes) {
                    offset = o->offset + o->bytes;
                    moved = 1;
                }
            }
        }
        b->offset = offset;
        if (offset + b->bytes > p->arena_bytes) p->arena_bytes = offset + b->bytes;
        placed[n_placed++] = order[i];
    }
    emoc__free(al, order);
    p->scratch_floats = 0;
    for (int i = 0; i < p->n_ops; i++)
        if (p->ops[i].scratch_floats > p->scratch_floats) p->scratch_floats = p->ops[i].scratch_floats;
    return EMOC_OK;
}

void emoc__plan_release(emoc_plan *p, const emoc_allocator *a)
{
    emoc__free(a, p->ops);
    emoc__free(a, p->bufs);
    memset(p, 0, sizeof(*p));
}
