/*
 * emw_access.c — lookups on a parsed EMW file and the names of its enums: find a metadata key
 * or a tensor by name, copy a tensor out as float32 (converting f16, undoing a panel layout).
 */
#include "engine/base/gemm_panels.h"
#include "engine/emw/emw.h"
#include "engine/emw/emw_util.h"

#include <string.h>

const char *emw_dtype_name(int dtype)
{
    switch (dtype) {
    case EMW_F32: return "f32";
    case EMW_F16: return "f16";
    case EMW_BF16: return "bf16";
    case EMW_I8: return "int8";
    default: return "?";
    }
}

size_t emw_dtype_size(int dtype)
{
    switch (dtype) {
    case EMW_F32: return 4;
    case EMW_F16: return 2;
    case EMW_BF16: return 2;
    case EMW_I8: return 1;
    default: return 0;
    }
}

const char *emw_type_name(int type)
{
    switch (type) {
    case EMW_T_I64: return "i64";
    case EMW_T_F64: return "f64";
    case EMW_T_STR: return "str";
    case EMW_T_I64_ARRAY: return "i64[]";
    case EMW_T_F64_ARRAY: return "f64[]";
    case EMW_T_STR_ARRAY: return "str[]";
    default: return "?";
    }
}

const emw_meta *emw_find_meta(const emw_file *f, const char *key)
{
    if (!f || !key) return NULL;
    for (size_t i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) return &f->meta[i];
    return NULL;
}

const emw_tensor *emw_find_tensor(const emw_file *f, const char *name)
{
    if (!f || !name) return NULL;
    for (size_t i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

float emw_tensor_i8_scale(const emw_tensor *t, int64_t n)
{
    uint32_t bits = emw__ld32(t->scales + 4 * (size_t)n);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static float emw__value(const emw_tensor *t, uint64_t i)
{
    const uint8_t *p = t->data;
    if (t->dtype == EMW_F16) return emw_f16_to_f32(emw__ld16(p + 2 * i));
    if (t->dtype == EMW_I8) /* rows only: element i is in output channel i / (count / dims[0]) */
        return (float)(int8_t)p[i] *
               emw_tensor_i8_scale(t, (int64_t)(i / (t->count / (uint64_t)t->dims[0])));
    uint32_t bits = t->dtype == EMW_BF16 ? (uint32_t)emw__ld16(p + 2 * i) << 16 : emw__ld32(p + 4 * i);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

const char *emw_layout_name(int layout)
{
    switch (layout) {
    case EMW_LAYOUT_ROWS: return "rows";
    case EMW_LAYOUT_GEMM_P32: return "gemm_p32";
    case EMW_LAYOUT_DW_HWC: return "dw_hwc";
    default: return "?";
    }
}

uint64_t emw_layout_stored(emw_layout layout, int rank, const int64_t *dims)
{
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) count *= (uint64_t)dims[d];
    if (layout == EMW_LAYOUT_ROWS) return count;
    if (layout == EMW_LAYOUT_DW_HWC) return rank == 4 && dims[1] == 1 ? count : 0;
    if (layout != EMW_LAYOUT_GEMM_P32) return 0;
    if (!(rank == 2 || (rank == 4 && dims[2] == 1 && dims[3] == 1))) return 0;
    /* dims are <= 2^24 each and their product <= 2^30 (reader caps): ints suffice */
    return emoc__gemm_packed_size((int)dims[1], (int)dims[0]);
}

void emw_tensor_to_f32(const emw_tensor *t, float *dst)
{
    if (t->layout == EMW_LAYOUT_GEMM_P32) {
        int N = (int)t->dims[0], K = (int)t->dims[1];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                dst[(size_t)n * (size_t)K + (size_t)k] =
                    emw__value(t, emoc__gemm_packed_index(K, N, n, k));
        return;
    }
    if (t->layout == EMW_LAYOUT_DW_HWC) {
        size_t C = (size_t)t->dims[0], taps = (size_t)t->dims[2] * (size_t)t->dims[3];
        for (size_t c = 0; c < C; c++)
            for (size_t k = 0; k < taps; k++) dst[c * taps + k] = emw__value(t, k * C + c);
        return;
    }
    for (uint64_t i = 0; i < t->count; i++) dst[i] = emw__value(t, i);
}

void emw_tensor_stored_to_f32(const emw_tensor *t, float *dst)
{
    for (uint64_t i = 0; i < t->stored; i++) dst[i] = emw__value(t, i);
}
