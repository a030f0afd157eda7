/*
 * fuzz_pth_legacy.c — libFuzzer target for the legacy checkpoint layout (weights/pth_legacy.c).
 * Each input goes through the container parser alone (emoc__legacy_open: five pickles, key list,
 * storage tail) and through the whole reader (emoc_pth_read, which picks the legacy layout by its
 * magic number and extracts the state_dict). Every failure must carry a message. Seed corpus:
 * tests/fuzz/corpus/pth_legacy (copies of the valid legacy fixtures). Runner: tests/fuzz/run.sh.
 */
#include "weights/pth.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emoc_error err;
    emoc__legacy lg;
    err.msg[0] = 0;
    if (emoc__legacy_open(data, size, &lg, &err) == EMOC_OK) {
        volatile uint8_t sink = 0; /* touch every storage byte: ASan sees a bad bound */
        for (size_t i = 0; i < lg.n; i++) {
            size_t bytes = (size_t)lg.storages[i].numel * emoc__dtype_size(lg.storages[i].dtype);
            for (size_t j = 0; j < bytes; j++) sink ^= lg.storages[i].data[j];
            if (emoc__legacy_find(&lg, lg.storages[i].key) != &lg.storages[i]) abort();
        }
        (void)sink;
        emoc__legacy_close(&lg);
    } else if (!err.msg[0]) {
        abort();
    }
    emoc_pth_checkpoint ck;
    err.msg[0] = 0;
    if (emoc_pth_read(data, size, &ck, &err) == EMOC_OK) {
        volatile float fs = 0;
        for (size_t i = 0; i < ck.n_tensors; i++)
            for (uint64_t j = 0; j < ck.tensors[i].count; j++) fs += ck.tensors[i].data[j];
        (void)fs;
        emoc_pth_release(&ck);
    } else if (!err.msg[0]) {
        abort();
    }
    return 0;
}
