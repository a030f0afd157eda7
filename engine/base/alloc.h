/*
 * alloc.h — every allocation of the library goes through an emoc_allocator (the caller's, from
 * emoc_options, or the default below: posix_memalign/free). Internal.
 */
#ifndef EMOC_BASE_ALLOC_H
#define EMOC_BASE_ALLOC_H

#include "emoc.h"

#include <stddef.h>

void *emoc__alloc(const emoc_allocator *a, size_t size, size_t align);
void emoc__free(const emoc_allocator *a, void *p); /* NULL p is fine */
extern const emoc_allocator emoc__default_allocator;
/* The bytes a block of `size` may use at no cost in resident memory: with the default
 * allocator, a block whose tail goes on a huge page (alloc.c) is resident up to the end of that
 * page; `size` otherwise (and for any other allocator). Ask for that many to use them. */
size_t emoc__alloc_usable(const emoc_allocator *a, size_t size);

#endif
