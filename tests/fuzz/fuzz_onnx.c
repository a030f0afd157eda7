/*
 * fuzz_onnx.c — libFuzzer target for the ONNX protobuf reader (weights/onnx_read.c,
 * onnx_graph.c) and the architecture matchers behind emoc__convert_onnx (EfficientNet,
 * MobileFaceNet). Whatever the converter accepts is serialised and loaded as a model, so a
 * converter that emits a file the loader rejects (or crashes on) is caught too.
 * Built and run by tests/fuzz/run.sh; seeds in corpus/onnx/ (the converter test fixtures).
 */
#include "weights/convert.h"
#include "engine/emw/emw.h"
#include "weights/onnx.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emoc_error err;
    emoc_onnx_model m;
    if (emoc__onnx_parse(data, size, &m, &err) == EMOC_OK) emoc__onnx_free(&m);

    emw_writer *w = NULL;
    if (emw_writer_create(&w) != EMOC_OK) return 0;
    emoc_convert_opts opts = {.dtype = EMW_F32, .source_name = "fuzz.onnx"};
    if (emoc__convert_onnx(data, size, &opts, w, &err) == EMOC_OK) {
        uint8_t *buf = NULL;
        size_t n = 0;
        if (emw_writer_to_memory(w, &buf, &n) == EMOC_OK) {
            emoc_model *model = NULL;
            if (emoc_model_load_memory(buf, n, NULL, &model, &err) != EMOC_OK) abort();
            emoc_model_free(model);
            free(buf);
        }
    }
    emw_writer_free(w);
    return 0;
}
