/* status.c — status names and version/build strings. */
#include "emoc.h"

const char *emoc_strerror(emoc_status status)
{
    switch (status) {
    case EMOC_OK: return "ok";
    case EMOC_E_ARG: return "invalid argument";
    case EMOC_E_IO: return "input/output error";
    case EMOC_E_FORMAT: return "malformed file";
    case EMOC_E_VERSION: return "unsupported format version";
    case EMOC_E_UNSUPPORTED: return "unsupported content";
    case EMOC_E_NOMEM: return "out of memory";
    case EMOC_E_SHAPE: return "shape mismatch";
    case EMOC_E_CHECKSUM: return "checksum mismatch";
    case EMOC_E_NONFINITE: return "non-finite value";
    case EMOC_E_LIMIT: return "limit exceeded";
    case EMOC_E_TRUNCATED: return "truncated input";
    case EMOC_E_SECURITY: return "refused for safety";
    case EMOC_E_INTERNAL: return "internal error";
    }
    return "unknown status";
}

#ifndef EMOC_VERSION_STRING
#define EMOC_VERSION_STRING "0.1.0"
#endif

const char *emoc_version_string(void) { return EMOC_VERSION_STRING; }
int emoc_version_number(void) { return EMOC_VERSION_NUMBER; }

const char *emoc_build_info(void)
{
    return "C11"
#if defined(__clang__)
           ", clang " __clang_version__
#elif defined(__GNUC__)
           ", gcc " __VERSION__
#endif
#if defined(EMOC_ISA_REF_ONLY)
           ", kernels: ref"
#elif defined(__x86_64__)
           ", kernels: ref avx2 avx512"
#elif defined(__aarch64__)
           ", kernels: ref neon"
#elif defined(__arm__)
           ", kernels: ref neon (armv7, if the CPU has it)"
#else
           ", kernels: ref"
#endif
        ;
}
