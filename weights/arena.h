/*
 * arena.h — the bounded arena of the converters' file readers (ONNX, pickle): every value a
 * parse creates comes from here and is released at once; the total is capped by a bound the
 * reader derives from the file size, so a crafted file cannot make a reader allocate without
 * limit. Blocks come from malloc (converters run in the CLI, not in the inference library).
 */
#ifndef EMOC_WEIGHTS_ARENA_H
#define EMOC_WEIGHTS_ARENA_H

#include "emoc.h"

#include <stddef.h>

typedef struct emoc__arena_chunk emoc__arena_chunk;

typedef struct emoc__arena {
    emoc__arena_chunk *head;
    size_t used, limit;          /* bytes handed out, cap */
} emoc__arena;

/* An empty arena that hands out at most `limit` bytes. */
void emoc__arena_init(emoc__arena *a, size_t limit);
/* n bytes (rounded up to 16, at least 16), zeroed, 16-byte aligned, valid until release.
 * EMOC_E_LIMIT when the cap would be exceeded, EMOC_E_NOMEM when malloc fails (*out = NULL). */
emoc_status emoc__arena_alloc(emoc__arena *a, size_t n, void **out);
/* Frees every block (the arena is empty again, with the same cap). NULL is fine. */
void emoc__arena_release(emoc__arena *a);

#endif
