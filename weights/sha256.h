/*
 * sha256.h — SHA-256 (FIPS 180-4), used to record the digest of a converted source file
 * (EMW metadata source.sha256) and by `make models` checks.
 */
#ifndef EMOC_WEIGHTS_SHA256_H
#define EMOC_WEIGHTS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct emoc_sha256 {
    uint32_t h[8];
    uint64_t total;           /* bytes hashed so far */
    uint8_t block[64];
    size_t used;              /* bytes pending in block */
    int level;                /* compression code: engine/base/hash_accel.h EMOC_SHA_* */
} emoc_sha256;

void emoc_sha256_init(emoc_sha256 *s);
/* Same, with a given compression level (clamped to what the CPU has): tests compare them. */
void emoc_sha256_init_level(emoc_sha256 *s, int level);
void emoc_sha256_update(emoc_sha256 *s, const void *data, size_t n);
void emoc_sha256_final(emoc_sha256 *s, uint8_t digest[32]);
/* One-shot digest as 64 lowercase hex characters + NUL. */
void emoc_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
