/*
 * fuzz_tflite.c — libFuzzer target for the TFLite flatbuffer reader (weights/tflite_read.c):
 * parse, then decode every constant tensor (dense and sparse) the reader accepted, so the
 * payload decoders see hostile shapes and sparsity metadata too.
 * Built and run by tests/fuzz/run.sh; seed in corpus/tflite/ (tests/weights/tflite_fixture.c's
 * model, written by that builder).
 */
#include "weights/tflite.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emoc_error err;
    emoc_tfl_model m;
    if (emoc_tfl_parse(data, size, &m, &err) != EMOC_OK) return 0;
    for (int i = 0; i < m.n_tensors; i++) {
        const emoc_tfl_tensor *t = &m.tensors[i];
        if (!t->data || t->count > (1u << 20)) continue;
        float *f = malloc((size_t)t->count * sizeof(float) + 1);
        if (f) (void)emoc_tfl_tensor_f32(t, f, &err);
        free(f);
        int64_t *q = malloc((size_t)t->count * sizeof(int64_t) + 1);
        if (q) (void)emoc_tfl_tensor_i64(t, q, &err);
        free(q);
    }
    emoc_tfl_free(&m);
    return 0;
}
