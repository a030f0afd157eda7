/*
 * hash_accel.h — the CPU-specific halves of CRC-32 (emoc__crc32) and SHA-256 (emoc__sha256_*):
 * carry-less-multiply folding (x86 PCLMULQDQ / VPCLMULQDQ, ARM64 PMULL) and the SHA extensions
 * (x86 SHA-NI, ARMv8 SHA2). Each is tested against the portable version on every length and
 * alignment (tests/base/test_hash_accel.c); the portable versions stay the definition.
 *
 * Levels: 0 is always the portable code; a higher level is used only when this build has it and
 * the CPU reports it (emoc__crc32_level / emoc__sha256_level give the best one, checked once).
 */
#ifndef EMOC_BASE_HASH_ACCEL_H
#define EMOC_BASE_HASH_ACCEL_H

#include <stddef.h>
#include <stdint.h>

enum {
    EMOC_CRC_TABLE = 0,  /* slicing-by-8 */
    EMOC_CRC_CLMUL = 1,  /* PCLMULQDQ (x86) or PMULL (ARM64), 4 × 128-bit folding */
    EMOC_CRC_VCLMUL = 2, /* VPCLMULQDQ on 512-bit vectors (x86 with AVX-512) */
};
enum { EMOC_SHA_PORTABLE = 0, EMOC_SHA_EXT = 1 /* SHA-NI (x86) or SHA2 (ARMv8) */ };

/* Best level this build and CPU support. */
int emoc__crc32_level(void);
int emoc__sha256_level(void);
const char *emoc__crc32_level_name(int level);
const char *emoc__sha256_level_name(int level);

/* emoc__crc32 at a given level (clamped to the best available); same contract as emoc__crc32. */
uint32_t emoc__crc32_at(int level, uint32_t crc, const void *data, size_t n);
/* The slicing-by-8 table version (engine/base/crc32.c). */
uint32_t emoc__crc32_table(uint32_t crc, const void *data, size_t n);

/* SHA-256 compression of nblocks 64-byte blocks at a given level (clamped). */
void emoc__sha256_blocks_at(int level, uint32_t h[8], const uint8_t *p, size_t nblocks);
void emoc__sha256_blocks_portable(uint32_t h[8], const uint8_t *p, size_t nblocks);

/* ISA files (only compiled where their suffix applies; see the Makefile).
 * The CRC folds take the raw register (~crc), n >= 64 and a multiple of 16, and return the raw
 * register; emoc__crc32_at handles the rest with the table. */
uint32_t emoc__crc32_fold_pclmul(uint32_t reg, const uint8_t *p, size_t n);
uint32_t emoc__crc32_fold_vpclmul(uint32_t reg, const uint8_t *p, size_t n);
uint32_t emoc__crc32_fold_pmull(uint32_t reg, const uint8_t *p, size_t n);
void emoc__sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks);
void emoc__sha256_blocks_armv8(uint32_t h[8], const uint8_t *p, size_t nblocks);

/* The loader's NaN/Inf scan (engine/base/finite_scan.c): 1 if any whole element of the n bytes
 * at p (f32, or f16 when f16 is set; little-endian) has an all-ones exponent. Same answer at
 * every level; emoc__nonfinite_any uses the best one. */
enum { EMOC_SCAN_PORTABLE = 0, EMOC_SCAN_AVX512 = 1 /* AVX-512F + BW with ZMM state */ };
int emoc__scan_level(void);
int emoc__nonfinite_any(const uint8_t *p, size_t n, int f16);
int emoc__nonfinite_any_portable(const uint8_t *p, size_t n, int f16);
int emoc__nonfinite_any_avx512(const uint8_t *p, size_t n, int f16);

#endif
