/* emw_fixture.c — see emw_fixture.h. */
#include "tests/weights/emw_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fx_tensor_names[FX_N_TENSORS] = {
    "stem.conv.weight", "stem.bn.bias", "head.fc.weight", "head.fc.bias"};
static const emw_dtype fx_dtypes[FX_N_TENSORS] = {EMW_F32, EMW_F32, EMW_F16, EMW_F16};
static const int fx_ranks[FX_N_TENSORS] = {4, 1, 2, 1};
static const int64_t fx_dims[FX_N_TENSORS][4] = {{4, 3, 3, 3}, {4}, {10, 4}, {10}};

float fx_value(int t, size_t i)
{
    /* A mix of signs, magnitudes and exactly-representable values. */
    return (float)((double)((int)((i * 37 + (size_t)t * 11) % 101) - 50) / 7.0 *
                   (t == 1 ? 1e-3 : 1.0));
}

emoc_status fx_build(uint8_t **buf, size_t *size)
{
    emw_writer *w = NULL;
    emoc_status st = emw_writer_create(&w);
    if (st) return st;
    const double mean[3] = {0.485, 0.456, 0.406}, std[3] = {0.229, 0.224, 0.225};
    const char *labels[8] = {"Anger", "Contempt", "Disgust", "Fear",
                             "Happiness", "Neutral", "Sadness", "Surprise"};
    const int64_t i64s[3] = {-1, 0, INT64_MAX};
    if ((st = emw_writer_meta_str(w, "emoc.arch", "efficientnet")) ||
        (st = emw_writer_meta_str(w, "emoc.variant", "b0")) ||
        (st = emw_writer_meta_str(w, "emoc.name", "enet_b0_8_va_mtl")) ||
        (st = emw_writer_meta_i64(w, "input.size", 224)) ||
        (st = emw_writer_meta_i64(w, "input.channels", 3)) ||
        (st = emw_writer_meta_str(w, "input.color", "RGB")) ||
        (st = emw_writer_meta_f64_array(w, "input.mean", mean, 3)) ||
        (st = emw_writer_meta_f64_array(w, "input.std", std, 3)) ||
        (st = emw_writer_meta_str(w, "input.resize", "pil_bilinear")) ||
        (st = emw_writer_meta_i64(w, "output.n_scores", 10)) ||
        (st = emw_writer_meta_i64(w, "output.n_classes", 8)) ||
        (st = emw_writer_meta_str_array(w, "output.labels", labels, 8)) ||
        (st = emw_writer_meta_i64(w, "output.valence_index", 8)) ||
        (st = emw_writer_meta_i64(w, "output.arousal_index", 9)) ||
        (st = emw_writer_meta_i64(w, "output.embedding_size", 4)) ||
        (st = emw_writer_meta_str(w, "source.file", "enet_b0_8_va_mtl.onnx")) ||
        (st = emw_writer_meta_str(
             w, "source.sha256",
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")) ||
        (st = emw_writer_meta_str(w, "converter.version", "emoc-test 1")) ||
        (st = emw_writer_meta_str_array(w, "ignored.prefixes", (const char *const[]){"aux."}, 1)) ||
        (st = emw_writer_meta_f64(w, "test.scale", -2.5)) ||
        (st = emw_writer_meta_i64_array(w, "test.i64s", i64s, 3)))
        goto done;
    for (int t = 0; t < FX_N_TENSORS; t++) {
        size_t n = 1;
        for (int d = 0; d < fx_ranks[t]; d++) n *= (size_t)fx_dims[t][d];
        float *v = malloc(n * sizeof *v);
        if (!v) {
            st = EMOC_E_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) v[i] = fx_value(t, i);
        st = emw_writer_add_tensor(w, fx_tensor_names[t], fx_dtypes[t], fx_ranks[t], fx_dims[t], v);
        free(v);
        if (st) goto done;
    }
    st = emw_writer_to_memory(w, buf, size);
done:
    emw_writer_free(w);
    return st;
}

emoc_status fx_save(const char *path)
{
    uint8_t *buf;
    size_t n;
    emoc_status st = fx_build(&buf, &n);
    if (st) return st;
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        free(buf);
        return EMOC_E_IO;
    }
    size_t put = fwrite(buf, 1, n, fp);
    int bad = fclose(fp) != 0 || put != n;
    free(buf);
    return bad ? EMOC_E_IO : EMOC_OK;
}

size_t fx_find(const uint8_t *buf, size_t limit, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= limit; i++)
        if (memcmp(buf + i, needle, n) == 0) return i;
    return SIZE_MAX;
}

uint64_t fx_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
void fx_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
void fx_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
void fx_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

size_t fx_tensor_fields(const uint8_t *buf, size_t size, const char *name)
{
    size_t hb = (size_t)fx_get64(buf + 32);
    size_t n = strlen(name);
    /* The record is u16 length + name: match both so a prefix of another name cannot hit. */
    uint8_t pat[300];
    pat[0] = (uint8_t)n;
    pat[1] = 0;
    memcpy(pat + 2, name, n);
    size_t at = fx_find(buf, hb < size ? hb : size, pat, n + 2);
    return at == SIZE_MAX ? SIZE_MAX : at + 2 + n;
}

void fx_fix_header_crc(uint8_t *buf)
{
    size_t hb = (size_t)fx_get64(buf + 32);
    fx_put32(buf + hb - 4, emoc__crc32(0, buf, hb - 4));
}

void fx_fix_tensor_crc(uint8_t *buf, size_t size, const char *name)
{
    size_t at = fx_tensor_fields(buf, size, name);
    int rank = buf[at + 1];
    uint8_t *q = buf + at + 4 + 8 * (size_t)rank;
    uint64_t off = fx_get64(q), nbytes = fx_get64(q + 8);
    uint64_t hb = fx_get64(buf + 32);
    uint64_t data_off = (hb + 63) & ~(uint64_t)63;
    fx_put32(q + 16, emoc__crc32(0, buf + data_off + off, (size_t)nbytes));
    fx_fix_header_crc(buf);
}
