/* alloc.c — the default allocator, option defaults and error formatting. */
#include "engine/core/core.h"

#include <stdio.h>
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
}

void emoc__vset_err(char *buf, size_t len, const char *fmt, va_list ap)
{
    if (!buf || !len) return;
    vsnprintf(buf, len, fmt, ap);
}

void emoc__set_err(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err(buf, len, fmt, ap);
    va_end(ap);
}
