/* test_inflate.c — the zlib decoder on hand-made streams: each block kind, back-references,
 * and every malformed case it must refuse (including output larger than announced). */
#include "tests/image/image_fixture.h"
#include "engine/image/decoders.h"

static emoc_status inflate(const uint8_t *z, size_t n, uint8_t *out, size_t want, size_t *got, emoc_error *err)
{
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches over-reads */
    memcpy(copy, z, n);
    emoc_status st = emoc__zlib_inflate(copy, n, out, want, got, err);
    free(copy);
    return st;
}

/* zlib.compress(b"hello hello hello hello", 9) */
static const uint8_t HELLO_Z[] = {0x78, 0xda, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27, 0x01,
                                  0x68, 0x03, 0x08, 0xb1};
static const char HELLO[] = "hello hello hello hello";

Test(inflate, fixed_block_with_back_references)
{
    uint8_t out[64];
    size_t got;
    emoc_error err;
    cr_assert_eq(inflate(HELLO_Z, sizeof HELLO_Z, out, 23, &got, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(got, 23);
    cr_assert(!memcmp(out, HELLO, 23));
}

Test(inflate, output_larger_than_announced_is_refused)
{
    uint8_t out[64];
    size_t got;
    emoc_error err;
    cr_assert_eq(inflate(HELLO_Z, sizeof HELLO_Z, out, 22, &got, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "exceeds the expected 22"), "%s", err.msg);
    /* shorter output than the buffer is reported through *produced */
    cr_assert_eq(inflate(HELLO_Z, sizeof HELLO_Z, out, 40, &got, &err), EMOC_OK);
    cr_assert_eq(got, 23);
}

Test(inflate, stored_block)
{
    /* BFINAL=1 BTYPE=00, LEN=3, NLEN=~3, "abc", adler32("abc") = 0x024d0127 */
    const uint8_t z[] = {0x78, 0x01, 0x01, 0x03, 0x00, 0xfc, 0xff, 'a', 'b', 'c', 0x02, 0x4d, 0x01, 0x27};
    uint8_t out[3];
    size_t got;
    emoc_error err;
    cr_assert_eq(inflate(z, sizeof z, out, 3, &got, &err), EMOC_OK, "%s", err.msg);
    cr_assert(!memcmp(out, "abc", 3));
    for (size_t cut = 0; cut < sizeof z; cut++)
        cr_assert_eq(inflate(z, cut, out, 3, &got, &err), EMOC_E_TRUNCATED, "cut %zu: %s", cut, err.msg);
}

Test(inflate, distance_before_start_and_bad_codes)
{
    /* fixed block: a length/distance pair first thing (distance 1 with no output yet).
     * bits: BFINAL 1, BTYPE 01, then length code 257 (0000001, 7 bits) and distance code 0 (00000). */
    const uint8_t z[] = {0x78, 0x01, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint8_t out[16];
    size_t got;
    emoc_error err;
    cr_assert_eq(inflate(z, sizeof z, out, 16, &got, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "before the start"), "%s", err.msg);
    /* dynamic block announcing 30 length codes beyond 286: HLIT = 31 → 288 */
    const uint8_t dyn[] = {0x78, 0x01, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    cr_assert_eq(inflate(dyn, sizeof dyn, out, 16, &got, &err), EMOC_E_FORMAT);
    /* preset dictionary flag */
    const uint8_t dict[] = {0x78, 0xbb, 0, 0, 0, 0};
    cr_assert_eq(inflate(dict, sizeof dict, out, 16, &got, &err), EMOC_E_UNSUPPORTED);
}
