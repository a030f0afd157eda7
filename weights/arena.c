/* arena.c — the bounded arena of the converters' file readers (arena.h). */
#include "weights/arena.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES 65536

struct emoc__arena_chunk {
    emoc__arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void emoc__arena_init(emoc__arena *a, size_t limit)
{
    a->head = NULL;
    a->used = 0;
    a->limit = limit;
}

emoc_status emoc__arena_alloc(emoc__arena *a, size_t n, void **out)
{
    *out = NULL;
    size_t left = a->limit - a->used;
    if (n > left) return EMOC_E_LIMIT; /* also keeps the rounding below from wrapping */
    n = n ? (n + 15) & ~(size_t)15 : 16;
    if (n > left) return EMOC_E_LIMIT;
    emoc__arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
        c = malloc(sizeof *c + cap);
        if (!c) return EMOC_E_NOMEM;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    a->used += n;
    memset(p, 0, n);
    *out = p;
    return EMOC_OK;
}

void emoc__arena_release(emoc__arena *a)
{
    emoc__arena_chunk *c = a ? a->head : NULL;
    while (c) {
        emoc__arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    if (a) {
        a->head = NULL;
        a->used = 0;
    }
}
