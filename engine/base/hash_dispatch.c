/*
 * hash_dispatch.c — picks the CRC-32 and SHA-256 code for this CPU (hash_accel.h): cpuid on
 * x86-64 (PCLMULQDQ + SSE4.1, VPCLMULQDQ + AVX-512F with the OS saving ZMM state, SHA-NI),
 * the auxiliary vector on ARM64 Linux (PMULL, SHA2). Detected once per process (an idempotent
 * relaxed cache: every thread computes the same value). Builds with EMOC_ISA_REF_ONLY and other
 * architectures use the portable code only.
 */
#include "engine/base/hash_accel.h"

#include <stdatomic.h>

#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
#define EMOC_HASH_X86 1
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__) && !defined(EMOC_ISA_REF_ONLY)
#define EMOC_HASH_ARM 1
#include <sys/auxv.h>
#endif

enum { F_CLMUL = 1, F_VCLMUL = 2, F_SHA = 4, F_AVX512 = 8, F_KNOWN = 0x100 };

static int detect(void)
{
    int f = 0;
#if defined(EMOC_HASH_X86)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int pclmul = (c >> 1) & 1, sse41 = (c >> 19) & 1, osxsave = (c >> 27) & 1;
    if (pclmul && sse41) f |= F_CLMUL;
    if (__get_cpuid_max(0, NULL) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    if (((b >> 29) & 1) && sse41) f |= F_SHA;
    if (osxsave && ((b >> 16) & 1)) { /* AVX-512F */
        unsigned int lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 0xe6) == 0xe6) { /* XMM, YMM, opmask, ZMM state saved by the OS */
            if ((f & F_CLMUL) && ((c >> 10) & 1)) f |= F_VCLMUL;
            if ((b >> 30) & 1) f |= F_AVX512; /* + BW (the 16-bit compares of the f16 scan) */
        }
    }
#elif defined(EMOC_HASH_ARM)
    unsigned long hw = getauxval(AT_HWCAP);
    if (hw & (1ul << 4)) f |= F_CLMUL; /* HWCAP_PMULL */
    if (hw & (1ul << 6)) f |= F_SHA;   /* HWCAP_SHA2 */
#endif
    return f;
}

static int features(void)
{
    static atomic_int cached = 0;
    int f = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!f) {
        f = detect() | F_KNOWN;
        atomic_store_explicit(&cached, f, memory_order_relaxed);
    }
    return f;
}

int emoc__crc32_level(void)
{
    int f = features();
    return f & F_VCLMUL ? EMOC_CRC_VCLMUL : f & F_CLMUL ? EMOC_CRC_CLMUL : EMOC_CRC_TABLE;
}

int emoc__sha256_level(void) { return features() & F_SHA ? EMOC_SHA_EXT : EMOC_SHA_PORTABLE; }

int emoc__scan_level(void) { return features() & F_AVX512 ? EMOC_SCAN_AVX512 : EMOC_SCAN_PORTABLE; }

const char *emoc__crc32_level_name(int level)
{
#if defined(__aarch64__)
    static const char *names[] = {"table", "pmull", "pmull"};
#else
    static const char *names[] = {"table", "pclmulqdq", "vpclmulqdq"};
#endif
    return level >= 0 && level <= 2 ? names[level] : "?";
}

const char *emoc__sha256_level_name(int level)
{
#if defined(__aarch64__)
    return level == EMOC_SHA_EXT ? "armv8-sha2" : "portable";
#else
    return level == EMOC_SHA_EXT ? "sha-ni" : "portable";
#endif
}

uint32_t emoc__crc32_at(int level, uint32_t crc, const void *data, size_t n)
{
    int best = emoc__crc32_level();
    if (level > best) level = best;
    const uint8_t *p = data;
    /* Short inputs gain nothing from folding (and the folds need 64 bytes). */
    if (level == EMOC_CRC_TABLE || n < 128) return emoc__crc32_table(crc, data, n);
    size_t bulk = n & ~(size_t)15;
    uint32_t reg = ~crc;
#if defined(EMOC_HASH_X86)
    reg = level == EMOC_CRC_VCLMUL ? emoc__crc32_fold_vpclmul(reg, p, bulk)
                                   : emoc__crc32_fold_pclmul(reg, p, bulk);
#elif defined(EMOC_HASH_ARM)
    reg = emoc__crc32_fold_pmull(reg, p, bulk);
#endif
    return emoc__crc32_table(~reg, p + bulk, n - bulk);
}

void emoc__sha256_blocks_at(int level, uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    if (level > emoc__sha256_level()) level = emoc__sha256_level();
#if defined(EMOC_HASH_X86)
    if (level == EMOC_SHA_EXT) {
        emoc__sha256_blocks_shani(h, p, nblocks);
        return;
    }
#elif defined(EMOC_HASH_ARM)
    if (level == EMOC_SHA_EXT) {
        emoc__sha256_blocks_armv8(h, p, nblocks);
        return;
    }
#endif
    emoc__sha256_blocks_portable(h, p, nblocks);
}
