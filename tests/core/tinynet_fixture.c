/* tinynet_fixture.c — see tinynet_fixture.h. Weights are seeded pseudo-random, O(1). */
#include "tests/core/tinynet_fixture.h"

#include "weights/convert.h"
#include "engine/emw/emw.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int rank;
    int64_t dims[4];
} spec;

static const spec tensors[] = {
    {"stem.weight", 4, {8, 3, 3, 3}}, {"stem.bias", 1, {8}},
    {"dw.weight", 4, {8, 1, 3, 3}},   {"dw.bias", 1, {8}},
    {"se.reduce.weight", 2, {2, 8}},  {"se.reduce.bias", 1, {2}},
    {"se.expand.weight", 2, {8, 2}},  {"se.expand.bias", 1, {8}},
    {"pw.weight", 4, {8, 8, 1, 1}},   {"pw.bias", 1, {8}},
    {"fc.weight", 2, {-1, 8}},        {"fc.bias", 1, {-1}},
};
#define N_T ((int)(sizeof(tensors) / sizeof(tensors[0])))

int tiny_tensor_count(void) { return N_T; }
const char *tiny_tensor_name(int i) { return tensors[i].name; }

void tiny_default(tiny_opts *o)
{
    o->size = 16;
    o->n_scores = 10;
    o->skip_tensor = -1;
    o->bad_shape_tensor = -1;
    o->extra_tensor = 0;
    o->reduced = 0;
    o->calib = NULL;
    o->n_calib = 0;
    o->kernel_layout = 0;
    o->seed = 1;
    o->labels = NULL;
}

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return ((float)(*s >> 8) / 16777216.0f - 0.5f);
}

uint8_t *tiny_build(const tiny_opts *o, size_t *size)
{
    emw_writer *w = NULL;
    if (emw_writer_create(&w) != EMOC_OK) return NULL;
    const char *affectnet[8] = {"Anger", "Contempt", "Disgust", "Fear",
                                "Happiness", "Neutral", "Sadness", "Surprise"};
    const char *const *labels = o->labels ? o->labels : affectnet;
    int nc = o->n_scores >= 10 ? 8 : o->n_scores;
    double mean[3] = {0.485, 0.456, 0.406}, std[3] = {0.229, 0.224, 0.225};
    emw_writer_meta_str(w, "emoc.arch", "tinynet");
    emw_writer_meta_str(w, "emoc.variant", "tiny");
    emw_writer_meta_str(w, "emoc.name", "tinynet_test");
    emw_writer_meta_i64(w, "input.size", o->size);
    emw_writer_meta_i64(w, "input.channels", 3);
    emw_writer_meta_str(w, "input.color", "RGB");
    emw_writer_meta_f64_array(w, "input.mean", mean, 3);
    emw_writer_meta_f64_array(w, "input.std", std, 3);
    emw_writer_meta_str(w, "input.resize", "cv2_linear");
    emw_writer_meta_i64(w, "output.n_scores", o->n_scores);
    emw_writer_meta_i64(w, "output.n_classes", nc);
    emw_writer_meta_str_array(w, "output.labels", labels, (size_t)nc);
    emw_writer_meta_i64(w, "output.valence_index", o->n_scores >= 10 ? 8 : -1);
    emw_writer_meta_i64(w, "output.arousal_index", o->n_scores >= 10 ? 9 : -1);
    emw_writer_meta_i64(w, "output.embedding_size", 8);
    emw_writer_meta_str(w, "source.file", "tinynet_fixture.c");
    emw_writer_meta_str(w, "source.sha256",
                        "0000000000000000000000000000000000000000000000000000000000000000");
    emw_writer_meta_str(w, "converter.version", "test");
    unsigned seed = o->seed;
    float buf[1024];
    for (int i = 0; i < N_T; i++) {
        if (i == o->skip_tensor) continue;
        int64_t dims[4];
        size_t n = 1;
        for (int d = 0; d < tensors[i].rank; d++) {
            dims[d] = tensors[i].dims[d] < 0 ? o->n_scores : tensors[i].dims[d];
            if (i == o->bad_shape_tensor && d == tensors[i].rank - 1) dims[d] += 1;
            n *= (size_t)dims[d];
        }
        for (size_t k = 0; k < n; k++) buf[k] = rnd(&seed);
        if (emw_writer_add_tensor(w, tensors[i].name, EMW_F32, tensors[i].rank, dims, buf)) {
            emw_writer_free(w);
            return NULL;
        }
    }
    if (o->extra_tensor) {
        int64_t d1[1] = {4};
        float v[4] = {1, 2, 3, 4};
        emw_writer_add_tensor(w, "unexpected.extra", EMW_F32, 1, d1, v);
    }
    uint8_t *out = NULL;
    emoc_error err;
    if (o->reduced &&
        emoc__convert_reduced(w, (emw_dtype)o->reduced, o->calib, o->n_calib, &err) != EMOC_OK) {
        emw_writer_free(w);
        return NULL;
    }
    if (o->kernel_layout && emoc__convert_kernel_layout(w, NULL, &err) != EMOC_OK) {
        emw_writer_free(w);
        return NULL;
    }
    emoc_status st = emw_writer_to_memory(w, &out, size);
    emw_writer_free(w);
    return st == EMOC_OK ? out : NULL;
}
