/*
 * fuzz_inflate.c — libFuzzer target for the zlib/DEFLATE decoder (engine/image/inflate.c).
 * Input: 2 bytes giving the expected output size − 1 (little endian, ≤ 65536), then the zlib
 * stream. The same stream is also tried with a valid header forced in front of its body, so
 * mutations explore the block decoder rather than the 2-byte header check.
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t want = (size_t)(data[0] | data[1] << 8) + 1;
    size_t n = size - 2;
    uint8_t *src = malloc(n ? n : 1);
    uint8_t *dst = malloc(want);
    if (!src || !dst) {
        free(src);
        free(dst);
        return 0;
    }
    memcpy(src, data + 2, n);
    size_t got;
    emoc_error err;
    if (emoc__zlib_inflate(src, n, dst, want, &got, &err) == EMOC_OK && got > want) abort();
    if (n >= 2) {
        src[0] = 0x78;
        src[1] = 0x01;
        if (emoc__zlib_inflate(src, n, dst, want, &got, &err) == EMOC_OK && got > want) abort();
    }
    free(src);
    free(dst);
    return 0;
}
