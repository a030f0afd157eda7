/* cpu.c — run-time ISA detection (cpuid + OS-enabled register state on x86-64; baseline NEON on
 * ARM64) and the EMOC_ISA override. */
#include "emoc.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
#include <cpuid.h>

static unsigned long long xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static emoc_isa detect_x86(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return EMOC_ISA_REF;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx || !fma || !f16c) return EMOC_ISA_REF;
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return EMOC_ISA_REF; /* XMM and YMM state enabled by the OS */
    if (__get_cpuid_max(0, NULL) < 7) return EMOC_ISA_REF;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1;
    if (!avx2) return EMOC_ISA_REF;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
        avx512vl = (b >> 31) & 1;
    /* opmask, upper ZMM and hi16 ZMM state enabled by the OS */
    if (avx512f && avx512dq && avx512bw && avx512vl && (xcr0 & 0xe6) == 0xe6)
        return EMOC_ISA_AVX512;
    return EMOC_ISA_AVX2;
}
#endif

#if defined(__arm__) && !defined(__aarch64__) && !defined(EMOC_ISA_REF_ONLY)
#include <sys/auxv.h>
#ifndef HWCAP_ARM_NEON
#define HWCAP_ARM_NEON (1 << 12) /* linux arch/arm/include/uapi/asm/hwcap.h */
#endif
/* 32-bit ARM: Debian's armhf baseline (ARMv7 + VFPv3-D16) does not guarantee NEON; the kernel
 * says whether this CPU has it. */
static emoc_isa detect_arm32(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_ARM_NEON) ? EMOC_ISA_NEON : EMOC_ISA_REF;
}
#endif

emoc_isa emoc_isa_detect(void)
{
#if defined(EMOC_ISA_REF_ONLY)
    return EMOC_ISA_REF;
#elif defined(__x86_64__)
    return detect_x86();
#elif defined(__aarch64__)
    return EMOC_ISA_NEON;
#elif defined(__arm__)
    return detect_arm32();
#else
    return EMOC_ISA_REF;
#endif
}

const char *emoc_isa_name(emoc_isa isa)
{
    switch (isa) {
    case EMOC_ISA_AUTO: return "auto";
    case EMOC_ISA_REF: return "ref";
    case EMOC_ISA_AVX2: return "avx2";
    case EMOC_ISA_AVX512: return "avx512";
    case EMOC_ISA_NEON: return "neon";
    }
    return "unknown";
}

emoc_status emoc_isa_parse(const char *name, emoc_isa *out)
{
    static const emoc_isa all[] = {EMOC_ISA_AUTO, EMOC_ISA_REF, EMOC_ISA_AVX2, EMOC_ISA_AVX512,
                                   EMOC_ISA_NEON};
    if (!name || !out) return EMOC_E_ARG;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (!strcmp(name, emoc_isa_name(all[i]))) {
            *out = all[i];
            return EMOC_OK;
        }
    return EMOC_E_ARG;
}

/* x86 sets are ordered: avx512 ⊃ avx2 ⊃ ref. */
static int supported(emoc_isa want, emoc_isa best)
{
    if (want == EMOC_ISA_REF) return 1;
    if (want == EMOC_ISA_NEON) return best == EMOC_ISA_NEON;
    if (best == EMOC_ISA_NEON || best == EMOC_ISA_REF) return 0;
    return want <= best;
}

emoc_status emoc_isa_resolve(emoc_isa requested, emoc_isa *out)
{
    if (!out) return EMOC_E_ARG;
    emoc_isa best = emoc_isa_detect();
    if (requested == EMOC_ISA_AUTO) {
        const char *env = getenv("EMOC_ISA");
        if (env && *env && strcmp(env, "auto") != 0) {
            if (emoc_isa_parse(env, &requested) != EMOC_OK) {
                *out = best;
                return EMOC_E_UNSUPPORTED;
            }
        }
    }
    if (requested == EMOC_ISA_AUTO) {
        *out = best;
        return EMOC_OK;
    }
    if (!supported(requested, best)) {
        *out = best;
        return EMOC_E_UNSUPPORTED;
    }
    *out = requested;
    return EMOC_OK;
}
