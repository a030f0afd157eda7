/* test_sha256.c — SHA-256 against the FIPS 180-4 / NIST example vectors. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/sha256.h"

Test(sha256, known_vectors)
{
    char hex[65];
    emoc__sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    emoc__sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    emoc__sha256_hex(m448, strlen(m448), hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, million_a_in_uneven_chunks)
{
    char *a = malloc(1000000);
    cr_assert(a);
    memset(a, 'a', 1000000);
    emoc_sha256 s;
    uint8_t d[32];
    emoc__sha256_init(&s);
    size_t done = 0, step = 1;
    while (done < 1000000) { /* chunk sizes 1, 2, ..., crossing block boundaries */
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        emoc__sha256_update(&s, a + done, n);
        done += n;
        step = step % 97 + 1;
    }
    emoc__sha256_final(&s, d);
    static const uint8_t want[8] = {0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92};
    cr_assert_arr_eq(d, want, 8);
    cr_assert_eq(d[31], 0xd0);
    free(a);
}
