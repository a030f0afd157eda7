/* fpmode.c — denormal handling of the calling thread. IEEE (gradual underflow) is the default;
 * emoc_options.flush_denormals turns on flush-to-zero for results and denormal inputs read as
 * zero (x86 MXCSR FTZ+DAZ, ARM64 FPCR.FZ) for the duration of a forward pass only, on the
 * caller and on the session's pool threads (docs/numerics.md). */
#include "engine/core/core.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#define FLUSH_BITS 0x8040u /* MXCSR FTZ (bit 15) | DAZ (bit 6) */
unsigned long emoc__fp_flush_begin(void)
{
    unsigned prev = _mm_getcsr();
    _mm_setcsr(prev | FLUSH_BITS);
    return prev;
}
void emoc__fp_restore(unsigned long prev) { _mm_setcsr((unsigned)prev); }
int emoc__fp_flushing(void) { return (_mm_getcsr() & FLUSH_BITS) == FLUSH_BITS; }
#elif defined(__aarch64__)
#define FLUSH_BITS (1ul << 24) /* FPCR.FZ */
unsigned long emoc__fp_flush_begin(void)
{
    unsigned long prev;
    __asm__ volatile("mrs %0, fpcr" : "=r"(prev));
    __asm__ volatile("msr fpcr, %0" : : "r"(prev | FLUSH_BITS));
    return prev;
}
void emoc__fp_restore(unsigned long prev) { __asm__ volatile("msr fpcr, %0" : : "r"(prev)); }
int emoc__fp_flushing(void)
{
    unsigned long v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return (v & FLUSH_BITS) != 0;
}
#else
unsigned long emoc__fp_flush_begin(void) { return 0; } /* no flush mode: IEEE always */
void emoc__fp_restore(unsigned long prev) { (void)prev; }
int emoc__fp_flushing(void) { return 0; }
#endif
