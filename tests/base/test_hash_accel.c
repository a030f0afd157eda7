/* test_hash_accel.c — the CPU-specific CRC-32 folds and SHA-256 compressions
 * (engine/base/hash_accel.h) against the portable versions: every length 0..1100 at every
 * alignment 0..63, long buffers, chaining, and chunked SHA-256 updates. Levels the CPU lacks
 * are reported in the log (not tested: they cannot run here); the level in use is checked to be
 * the best one. */
#include <stdio.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/hash_accel.h"
#include "engine/emw/emw.h"
#include "engine/base/sha256.h"

static uint8_t *random_bytes(size_t n, uint32_t seed)
{
    uint8_t *b = malloc(n);
    cr_assert(b);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        b[i] = (uint8_t)(seed >> 24);
    }
    return b;
}

Test(hash_accel, crc32_every_level_matches_the_table_on_all_lengths_and_alignments)
{
    enum { MAXN = 1100, ALIGNS = 64 };
    uint8_t *buf = random_bytes(MAXN + ALIGNS, 7);
    int best = emoc__crc32_level();
    cr_log_info("crc32: best level %s", emoc__crc32_level_name(best));
    for (int level = EMOC_CRC_CLMUL; level <= EMOC_CRC_VCLMUL; level++)
        if (level > best) fprintf(stderr, "hash_accel: crc32 level %d not on this CPU: not tested\n", level);
    for (int level = 0; level <= best; level++)
        for (size_t off = 0; off < ALIGNS; off++)
            for (size_t n = 0; n <= MAXN; n++) {
                uint32_t want = emoc__crc32_table(0, buf + off, n);
                uint32_t got = emoc__crc32_at(level, 0, buf + off, n);
                if (got != want)
                    cr_assert_fail("level %d off %zu n %zu: 0x%08x, table 0x%08x", level, off, n, got,
                             want);
                uint32_t seed = 0x12345678u ^ (uint32_t)n; /* a running CRC continues */
                if (emoc__crc32_at(level, seed, buf + off, n) != emoc__crc32_table(seed, buf + off, n))
                    cr_assert_fail("level %d off %zu n %zu: continuing from 0x%08x differs", level, off,
                             n, seed);
            }
    cr_assert_eq(emoc__crc32(0, "123456789", 9), 0xCBF43926u);
    free(buf);
}

Test(hash_accel, crc32_long_buffers_and_chaining)
{
    size_t n = (3u << 20) + 77; /* crosses every fold loop many times, odd tail */
    uint8_t *buf = random_bytes(n + 64, 11);
    int best = emoc__crc32_level();
    for (size_t off = 0; off < 64; off += 13) {
        uint32_t want = emoc__crc32_table(0, buf + off, n);
        for (int level = 0; level <= best; level++) {
            cr_assert_eq(emoc__crc32_at(level, 0, buf + off, n), want, "level %d off %zu", level, off);
            size_t h = 1000003 + off;
            uint32_t part = emoc__crc32_at(level, 0, buf + off, h);
            cr_assert_eq(emoc__crc32_at(level, part, buf + off + h, n - h), want, "level %d chained", level);
        }
        cr_assert_eq(emoc__crc32(0, buf + off, n), want);
    }
    /* all-zero and all-one data (degenerate polynomials for the folds) */
    memset(buf, 0, n);
    for (int level = 0; level <= best; level++)
        cr_assert_eq(emoc__crc32_at(level, 0, buf, 4096 + 16), emoc__crc32_table(0, buf, 4096 + 16));
    memset(buf, 0xff, n);
    for (int level = 0; level <= best; level++)
        cr_assert_eq(emoc__crc32_at(level, 0, buf, 4096 + 48), emoc__crc32_table(0, buf, 4096 + 48));
    free(buf);
}

static void sha_hex(int level, const uint8_t *p, size_t n, size_t chunk, uint8_t d[32])
{
    emoc_sha256 s;
    emoc__sha256_init_level(&s, level);
    for (size_t done = 0; done < n;) {
        size_t take = chunk && chunk < n - done ? chunk : n - done;
        emoc__sha256_update(&s, p + done, take);
        done += take;
    }
    emoc__sha256_final(&s, d);
}

Test(hash_accel, sha256_extensions_match_portable_on_all_lengths_and_alignments)
{
    enum { MAXN = 700, ALIGNS = 16 };
    uint8_t *buf = random_bytes(MAXN + ALIGNS + 64, 3);
    int best = emoc__sha256_level();
    cr_log_info("sha256: best level %s", emoc__sha256_level_name(best));
    if (best < EMOC_SHA_EXT) fprintf(stderr, "hash_accel: no SHA extensions on this CPU: only portable tested\n");
    for (size_t off = 0; off < ALIGNS; off++)
        for (size_t n = 0; n <= MAXN; n++) {
            uint8_t want[32], got[32];
            sha_hex(EMOC_SHA_PORTABLE, buf + off, n, 0, want);
            sha_hex(best, buf + off, n, 0, got);
            if (memcmp(want, got, 32)) cr_assert_fail("off %zu n %zu differs", off, n);
            if (n % 37 == 0) {
                sha_hex(best, buf + off, n, 1 + n % 70, got); /* uneven updates */
                if (memcmp(want, got, 32)) cr_assert_fail("chunked off %zu n %zu differs", off, n);
            }
        }
    /* long input, direct blocks: the level-0 path is the FIPS-checked one (test_sha256.c) */
    size_t n = (1u << 20) + 5;
    uint8_t *big = random_bytes(n, 9), want[32], got[32];
    sha_hex(EMOC_SHA_PORTABLE, big, n, 0, want);
    sha_hex(best, big, n, 0, got);
    cr_assert_arr_eq(want, got, 32);
    sha_hex(best, big, n, 4097, got);
    cr_assert_arr_eq(want, got, 32);
    /* a block computed directly */
    uint32_t h0[8] = {1, 2, 3, 4, 5, 6, 7, 8}, h1[8];
    memcpy(h1, h0, sizeof h0);
    emoc__sha256_blocks_portable(h0, big, 3);
    emoc__sha256_blocks_at(best, h1, big, 3);
    cr_assert_arr_eq(h0, h1, sizeof h0);
    free(big);
    free(buf);
}

/* The exact answer, one element at a time: any all-ones exponent among the whole elements. */
static int nonfinite_exact(const uint8_t *p, size_t n, int f16)
{
    size_t es = f16 ? 2 : 4;
    for (size_t i = 0; i + es <= n; i += es) {
        uint32_t bits = f16 ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8
                            : (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                                  (uint32_t)p[i + 3] << 24;
        uint32_t em = f16 ? 0x7c00u : 0x7f800000u;
        if ((bits & em) == em) return 1;
    }
    return 0;
}

/* Finite values everywhere, then one Inf/NaN planted at every element position in turn (and
 * near-misses: exponent all ones but one bit), for every length 0..300 elements at alignments
 * 0..63, f32 and f16. The AVX-512 scan must give the exact answer; the portable one must never
 * miss a hit (a rare false positive is allowed: the loader then locates the element exactly). */
Test(hash_accel, nonfinite_scan_every_level_on_all_lengths_positions_and_alignments)
{
    enum { MAXE = 300, ALIGNS = 64 };
    int avx512 = emoc__scan_level() == EMOC_SCAN_AVX512;
    if (!avx512) fprintf(stderr, "hash_accel: no AVX-512 scan on this CPU: only portable tested\n");
    uint8_t *buf = malloc(MAXE * 4 + ALIGNS);
    cr_assert(buf);
    for (int f16 = 0; f16 <= 1; f16++) {
        size_t es = f16 ? 2 : 4;
        for (size_t off = 0; off < ALIGNS; off += (off < 8 ? 1 : 7))
            for (size_t ne = 0; ne <= MAXE; ne += (ne < 70 ? 1 : 13)) {
                uint8_t *p = buf + off;
                size_t n = ne * es;
                for (size_t i = 0; i < n; i += es) { /* finite: exponent below all ones */
                    uint32_t v = f16 ? 0x3c00u ^ (uint32_t)(i * 7 & 0x83ff)
                                     : 0x3f800000u ^ (uint32_t)(i * 2654435761u & 0x807fffffu);
                    for (size_t b = 0; b < es; b++) p[i + b] = (uint8_t)(v >> (8 * b));
                }
                for (long at = -1; at < (long)ne; at++) {
                    uint8_t save[4];
                    uint32_t planted = at % 3 == 0 ? (f16 ? 0x7c00u : 0x7f800000u)      /* Inf */
                                       : at % 3 == 1 ? (f16 ? 0xfe01u : 0xffc00001u)    /* NaN */
                                                     : (f16 ? 0x7bffu : 0x7f7fffffu);   /* max finite */
                    if (at >= 0) {
                        memcpy(save, p + at * es, es);
                        for (size_t b = 0; b < es; b++) p[at * es + b] = (uint8_t)(planted >> (8 * b));
                    }
                    int want = nonfinite_exact(p, n, f16);
                    cr_assert_eq(want, at >= 0 && at % 3 != 2);
                    if (want && !emoc__nonfinite_any_portable(p, n, f16))
                        cr_assert_fail("portable scan missed f16=%d off %zu n %zu at %ld", f16, off, n, at);
                    if (avx512 && emoc__nonfinite_any(p, n, f16) != want)
                        cr_assert_fail("avx512 scan f16=%d off %zu n %zu at %ld: got %d want %d", f16, off, n, at,
                                       !want, want);
                    if (at >= 0) memcpy(p + at * es, save, es);
                }
            }
    }
    free(buf);
}
