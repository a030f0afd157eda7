/*
 * emw_access.c — lookups on a parsed EMW file and the names of its enums: find a metadata key
 * or a tensor by name, copy a tensor out as float32 (converting f16).
 */
#include "engine/emw/emw.h"
#include "engine/emw/emw_util.h"

#include <string.h>

const char *emw_dtype_name(int dtype)
{
    switch (dtype) {
    case EMW_F32: return "f32";
    case EMW_F16: return "f16";
    case 2: return "bf16";
    case 3: return "int8";
    default: return "?";
    }
}

size_t emw_dtype_size(int dtype)
{
    switch (dtype) {
    case EMW_F32: return 4;
    case EMW_F16: return 2;
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

void emw_tensor_to_f32(const emw_tensor *t, float *dst)
{
    const uint8_t *p = t->data;
    if (t->dtype == EMW_F32) {
        for (uint64_t i = 0; i < t->count; i++) {
            uint32_t bits = emw__ld32(p + 4 * i);
            memcpy(&dst[i], &bits, sizeof bits);
        }
    } else {
        for (uint64_t i = 0; i < t->count; i++) dst[i] = emw_f16_to_f32(emw__ld16(p + 2 * i));
    }
}
