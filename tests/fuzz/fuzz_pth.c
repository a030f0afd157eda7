/*
 * fuzz_pth.c — libFuzzer target for the PyTorch checkpoint reader (zip + restricted pickle +
 * tensor extraction). Seed corpus: the .pth files of tests/fixtures/pth (valid and malformed).
 * CRC checks are skipped under FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION so mutations reach the
 * pickle machine.
 * Build: clang -fsanitize=fuzzer,address,undefined
 *        -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Iinclude -I. tests/fuzz/fuzz_pth.c
 *        weights/pth_zip.c weights/pth_pickle.c weights/convert_pth_load.c
 */
#include "weights/pth.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    if (emoc_pth_read(data, size, &ck, &err) == EMOC_OK) {
        /* touch every value so ASan sees any out-of-bounds copy */
        volatile float sink = 0;
        for (size_t i = 0; i < ck.n_tensors; i++)
            for (uint64_t j = 0; j < ck.tensors[i].count; j++) sink += ck.tensors[i].data[j];
        (void)sink;
        emoc_pth_release(&ck);
    } else if (!memchr(err.msg, 0, sizeof err.msg) || !err.msg[0]) {
        abort(); /* every failure must come with a message */
    }
    return 0;
}
