/* alloc.c — the default allocator and option defaults. */
#include "engine/base/alloc.h"

#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_BYTES ((size_t)2 << 20)

/* Blocks of 2 MiB and more (the weight file, the arena) are 2 MiB-aligned and asked to be
 * backed by transparent huge pages: first-touching 16 MiB of weights then takes 8 page faults
 * instead of 4096, and a 4 KiB fault costs ~12 us in a VM (docs/startup.md). The tail past the
 * last whole 2 MiB goes on a huge page too when that adds at most HUGE_TAIL_WASTE of resident
 * memory (the page is resident whole), else it stays in small pages: the memory budget (weights
 * + arena + 6 MiB) holds either way. Freed with free() like any other block. */
#define HUGE_TAIL_WASTE ((size_t)1 << 20)

static void *default_alloc(void *user, size_t size, size_t align)
{
    (void)user;
    void *p = NULL;
    if (align < sizeof(void *)) align = sizeof(void *);
#ifdef MADV_HUGEPAGE
    if (size >= HUGE_BYTES && align <= HUGE_BYTES) {
        size_t whole = (size + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
        if (whole < size) return NULL;
        if (whole - size > HUGE_TAIL_WASTE) whole = size & ~(HUGE_BYTES - 1);
        if (posix_memalign(&p, HUGE_BYTES, size > whole ? size : whole) != 0) return NULL;
        (void)madvise(p, whole, MADV_HUGEPAGE); /* a hint: refusal is fine */
        return p;
    }
#endif
    if (posix_memalign(&p, align, size ? size : 1) != 0) return NULL;
    return p;
}

size_t emoc__alloc_usable(const emoc_allocator *a, size_t size)
{
#ifdef MADV_HUGEPAGE
    if (a && a->alloc == default_alloc && size >= HUGE_BYTES) {
        size_t whole = (size + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
        if (whole >= size && whole - size <= HUGE_TAIL_WASTE) return whole;
    }
#else
    (void)a;
#endif
    return size;
}

static void default_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

const emoc_allocator emoc__default_allocator = {default_alloc, default_free, NULL};

void *emoc__alloc(const emoc_allocator *a, size_t size, size_t align)
{
    return a->alloc(a->user, size, align);
}

void emoc__free(const emoc_allocator *a, void *p)
{
    if (p) a->free(a->user, p);
}

void emoc_options_default(emoc_options *opt)
{
    if (!opt) return;
    opt->allocator = NULL;
    opt->isa = EMOC_ISA_AUTO;
    opt->verify_checksums = 1;
    opt->flush_denormals = 0;
}
