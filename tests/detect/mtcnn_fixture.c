/* mtcnn_fixture.c — see mtcnn_fixture.h. */
#include "tests/detect/mtcnn_fixture.h"

#include "engine/emw/emw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct spec {
    const char *name;
    int rank;
    int64_t dims[4];
} spec;

static const spec T[] = {
    {"pnet.conv1.weight", 4, {10, 3, 3, 3}}, {"pnet.conv1.bias", 1, {10}}, {"pnet.prelu1.weight", 1, {10}},
    {"pnet.conv2.weight", 4, {16, 10, 3, 3}}, {"pnet.conv2.bias", 1, {16}}, {"pnet.prelu2.weight", 1, {16}},
    {"pnet.conv3.weight", 4, {32, 16, 3, 3}}, {"pnet.conv3.bias", 1, {32}}, {"pnet.prelu3.weight", 1, {32}},
    {"pnet.conv4_1.weight", 4, {2, 32, 1, 1}}, {"pnet.conv4_1.bias", 1, {2}},
    {"pnet.conv4_2.weight", 4, {4, 32, 1, 1}}, {"pnet.conv4_2.bias", 1, {4}},
    {"rnet.conv1.weight", 4, {28, 3, 3, 3}}, {"rnet.conv1.bias", 1, {28}}, {"rnet.prelu1.weight", 1, {28}},
    {"rnet.conv2.weight", 4, {48, 28, 3, 3}}, {"rnet.conv2.bias", 1, {48}}, {"rnet.prelu2.weight", 1, {48}},
    {"rnet.conv3.weight", 4, {64, 48, 2, 2}}, {"rnet.conv3.bias", 1, {64}}, {"rnet.prelu3.weight", 1, {64}},
    {"rnet.dense4.weight", 2, {128, 576}}, {"rnet.dense4.bias", 1, {128}}, {"rnet.prelu4.weight", 1, {128}},
    {"rnet.dense5_1.weight", 2, {2, 128}}, {"rnet.dense5_1.bias", 1, {2}},
    {"rnet.dense5_2.weight", 2, {4, 128}}, {"rnet.dense5_2.bias", 1, {4}},
    {"onet.conv1.weight", 4, {32, 3, 3, 3}}, {"onet.conv1.bias", 1, {32}}, {"onet.prelu1.weight", 1, {32}},
    {"onet.conv2.weight", 4, {64, 32, 3, 3}}, {"onet.conv2.bias", 1, {64}}, {"onet.prelu2.weight", 1, {64}},
    {"onet.conv3.weight", 4, {64, 64, 3, 3}}, {"onet.conv3.bias", 1, {64}}, {"onet.prelu3.weight", 1, {64}},
    {"onet.conv4.weight", 4, {128, 64, 2, 2}}, {"onet.conv4.bias", 1, {128}}, {"onet.prelu4.weight", 1, {128}},
    {"onet.dense5.weight", 2, {256, 1152}}, {"onet.dense5.bias", 1, {256}}, {"onet.prelu5.weight", 1, {256}},
    {"onet.dense6_1.weight", 2, {2, 256}}, {"onet.dense6_1.bias", 1, {2}},
    {"onet.dense6_2.weight", 2, {4, 256}}, {"onet.dense6_2.bias", 1, {4}},
    {"onet.dense6_3.weight", 2, {10, 256}}, {"onet.dense6_3.bias", 1, {10}},
};

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.0f - 0.5f;
}

uint8_t *mtcnn_fix_build(const mtcnn_fix_opts *o, size_t *size)
{
    mtcnn_fix_opts none = {0};
    if (!o) o = &none;
    emw_writer *w = NULL;
    if (emw_writer_create(&w) != EMOC_OK) return NULL;
    emoc_status st = emw_writer_meta_str(w, "emoc.arch", "mtcnn");
    if (!st && !o->no_task) st = emw_writer_meta_str(w, "emoc.task", "face_detection");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", "facenet_pytorch");
    unsigned seed = 7;
    for (size_t i = 0; !st && i < sizeof T / sizeof T[0]; i++) {
        const spec *s = &T[i];
        if (o->skip && !strcmp(o->skip, s->name)) continue;
        size_t n = 1, fan_in = 1;
        for (int d = 0; d < s->rank; d++) n *= (size_t)s->dims[d];
        for (int d = 1; d < s->rank; d++) fan_in *= (size_t)s->dims[d];
        float *v = malloc(n * sizeof(float));
        if (!v) break;
        int is_prelu = strstr(s->name, "prelu") != NULL;
        int is_cls_bias = strstr(s->name, "conv4_1.bias") || strstr(s->name, "dense5_1.bias") ||
                          strstr(s->name, "dense6_1.bias");
        for (size_t k = 0; k < n; k++)
            v[k] = is_prelu ? 0.25f : 2.0f * rnd(&seed) / sqrtf((float)fan_in);
        if (is_cls_bias) v[1] = v[0] + 2.5f; /* favour "face" so random images give boxes */
        st = emw_writer_add_tensor(w, s->name, EMW_F32, s->rank, s->dims, v);
        free(v);
    }
    if (!st && o->extra) {
        float z[2] = {0, 0};
        st = emw_writer_add_tensor(w, o->extra, EMW_F32, 1, (int64_t[1]){2}, z);
    }
    uint8_t *buf = NULL;
    if (!st) st = emw_writer_to_memory(w, &buf, size);
    emw_writer_free(w);
    return st ? NULL : buf;
}

int mtcnn_fix_save(const char *path)
{
    size_t n = 0;
    uint8_t *b = mtcnn_fix_build(NULL, &n);
    FILE *f = b ? fopen(path, "wb") : NULL;
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f) ok = (fclose(f) == 0) && ok;
    free(b);
    return ok ? 0 : -1;
}

uint8_t *mtcnn_fix_frame_ppm(int w, int h, int seed, size_t *size)
{
    size_t n = (size_t)w * (size_t)h * 3;
    char hdr[64];
    int k = snprintf(hdr, sizeof hdr, "P6\n%d %d\n255\n", w, h);
    uint8_t *b = malloc((size_t)k + n);
    if (!b) return NULL;
    memcpy(b, hdr, (size_t)k);
    for (size_t i = 0; i < n; i++) b[k + i] = (uint8_t)((i * 7 + (i / 97) * 13 + (size_t)seed * 29) & 255);
    *size = (size_t)k + n;
    return b;
}

int mtcnn_fix_save_frame(const char *path, int w, int h, int seed)
{
    size_t n = 0;
    uint8_t *b = mtcnn_fix_frame_ppm(w, h, seed, &n);
    FILE *f = b ? fopen(path, "wb") : NULL;
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f) ok = (fclose(f) == 0) && ok;
    free(b);
    return ok ? 0 : -1;
}

int mtcnn_fix_save_scene(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/mtcnn.emw", dir);
    if (mtcnn_fix_save(path)) return -1;
    snprintf(path, sizeof path, "%s/frame.ppm", dir);
    if (mtcnn_fix_save_frame(path, 120, 90, 0)) return -1;
    snprintf(path, sizeof path, "%s/small.ppm", dir);
    return mtcnn_fix_save_frame(path, 30, 30, 0);
}
