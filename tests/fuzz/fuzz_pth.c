/*
 * fuzz_pth.c — libFuzzer target for the PyTorch checkpoint reader. Each input is fed twice:
 * as a whole checkpoint (zip + restricted pickle + tensor extraction, emoc__pth_read) and as a
 * bare pickle stream (emoc__pickle_run), so mutations reach the pickle machine even when they
 * would break the zip CRC-32s. (Built with -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION the zip
 * reader also skips CRC checks.) Seed corpus: tests/fuzz/corpus/pth (copies of tiny fixtures).
 * Runner: tests/fuzz/run.sh (`make fuzz`).
 */
#include "weights/pth.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    err.msg[0] = 0;
    if (emoc__pth_read(data, size, &ck, &err) == EMOC_OK) {
        volatile float sink = 0; /* touch every value: ASan sees any bad copy */
        for (size_t i = 0; i < ck.n_tensors; i++)
            for (uint64_t j = 0; j < ck.tensors[i].count; j++) sink += ck.tensors[i].data[j];
        (void)sink;
        emoc__pth_release(&ck);
    } else if (!err.msg[0]) {
        abort(); /* every failure must come with a message */
    }
    emoc__pickle *pk = NULL;
    const emoc__pv *root = NULL;
    err.msg[0] = 0;
    if (emoc__pickle_run(data, size, &pk, &root, &err) == EMOC_OK) {
        if (!root) abort();
        emoc__pickle_free(pk);
    } else if (!err.msg[0]) {
        abort();
    }
    return 0;
}
