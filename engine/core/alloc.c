/* alloc.c — the default allocator and option defaults. */
#include "engine/core/core.h"

#include <stdlib.h>

static void *default_alloc(void *user, size_t size, size_t align)
{
    (void)user;
    void *p = NULL;
    if (align < sizeof(void *)) align = sizeof(void *);
    if (posix_memalign(&p, align, size ? size : 1) != 0) return NULL;
    return p;
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
