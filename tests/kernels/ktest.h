/*
 * ktest.h — shared helpers for the kernel tests: which ISAs this build and CPU can run, a
 * seeded random fill, guard-value checks for out-of-range writes, and the tolerance rule.
 *
 * Tolerance (every SIMD kernel against its reference, per element):
 *   |x − ref| ≤ KTEST_ATOL + KTEST_RTOL · T
 * where T is the element's Σ|terms| (Σ|x·w| + |bias| + |residual|), computed by running the
 * reference on absolute values. FMA contraction, another summation grouping and the polynomial
 * expf stay far below this; a wrong tap, channel or epilogue does not.
 */
#ifndef EMOC_TESTS_KTEST_H
#define EMOC_TESTS_KTEST_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/kernels/kernels.h"

#define KTEST_ATOL 1e-5
#define KTEST_RTOL 1e-5
#define KTEST_GUARD 12345.678f

/* Fills *t with the kernel set of `isa` if this build and CPU can run it; otherwise returns 0
 * and the caller reports the test as skipped. */
static inline int ktest_table(emoc_kernel_table *t, emoc_isa isa)
{
    emoc_isa best = emoc_isa_detect();
    int ok;
    if (isa == EMOC_ISA_NEON) ok = best == EMOC_ISA_NEON;
    else if (isa == EMOC_ISA_AVX2 || isa == EMOC_ISA_AVX512)
        ok = (best == EMOC_ISA_AVX2 || best == EMOC_ISA_AVX512) && best >= isa;
    else ok = 1;
    if (!ok) return 0;
    emoc__kernel_table_init(t, isa);
    return 1;
}

/* Fills *t for `isa`, or reports the calling test as skipped (never passed) and does not
 * return when this build/CPU cannot run it. */
static inline void ktest_require_isa(emoc_kernel_table *t, emoc_isa isa)
{
    if (ktest_table(t, isa)) return;
    printf("SKIPPED: %s kernels (this build/CPU supports up to %s)\n", emoc_isa_name(isa),
           emoc_isa_name(emoc_isa_detect()));
    criterion_skip_test("%s not supported by this build/CPU", emoc_isa_name(isa));
}

/* The kernel name must name the ISA (else the test would compare the reference with itself). */
static inline void ktest_assert_isa_name(const char *name, emoc_isa isa)
{
    char want[32];
    snprintf(want, sizeof want, "__%s", emoc_isa_name(isa));
    cr_assert(strstr(name, want) != NULL, "kernel %s is not a %s kernel", name, emoc_isa_name(isa));
}

typedef struct ktest_rng {
    uint64_t s;
} ktest_rng;

static inline float ktest_uniform(ktest_rng *r, float lo, float hi)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((r->s >> 40) & 0xFFFFFF) / 16777216.0f;
}

static inline float *ktest_alloc(size_t n, ktest_rng *r, float lo, float hi)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    cr_assert(p);
    for (size_t i = 0; i < n; i++) p[i] = r ? ktest_uniform(r, lo, hi) : KTEST_GUARD;
    return p;
}

static inline float *ktest_abs_copy(const float *x, size_t n)
{
    if (!x) return NULL;
    float *p = malloc((n ? n : 1) * sizeof(float));
    cr_assert(p);
    for (size_t i = 0; i < n; i++) p[i] = fabsf(x[i]);
    return p;
}

static inline int ktest_close(float got, float ref, double terms)
{
    if (isnan(ref)) return isnan(got);
    return fabs((double)got - (double)ref) <= KTEST_ATOL + KTEST_RTOL * terms;
}

#endif /* EMOC_TESTS_KTEST_H */
