/*
 * emw_write.c — the EMW writer (spec: weights/FORMAT.md), used by the converters and the tests.
 *
 * Metadata and tensors are collected in memory (tensor values arrive as float32 and are stored
 * in the requested dtype right away: f16 by round-to-nearest-even), then serialised in one go:
 * preamble, metadata entries, tensor records, header CRC, zero padding, tensor data at 64-byte
 * aligned offsets in table order. The writer refuses anything the reader would reject (bad or
 * duplicate names, NaN/Inf, values that overflow f16, bad ranks/dims, caps), so a file it
 * produces always parses.
 */
#include "engine/base/error.h"
#include "engine/base/gemm_panels.h"
#include "engine/emw/emw.h"
#include "engine/emw/emw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct emw__wmeta {
    char *key;
    emw_type type;
    size_t count;
    int64_t i64;
    double f64;
    char *str;
    int64_t *i64s;
    double *f64s;
    char **strs;
} emw__wmeta;

typedef struct emw__wtensor {
    char *name;
    emw_dtype dtype;
    int rank;
    uint64_t dims[EMW_MAX_RANK];
    uint64_t count;
    uint8_t *bytes;             /* stored little-endian representation */
    uint64_t nbytes;
    uint32_t crc;
    emw_layout layout;          /* FORMAT.md §4.1; bytes are stored in this order */
    uint8_t *extra;             /* int8: the record's extra bytes (FORMAT.md §4.2) */
    size_t extra_len;
} emw__wtensor;

struct emw_writer {
    emw__wmeta *meta;
    size_t n_meta;
    emw__wtensor *tensors;
    size_t n_tensors;
    char err[512];
};

static emoc_status emw__wfail(emw_writer *w, emoc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static emoc_status emw__wfail(emw_writer *w, emoc_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    return st;
}

emoc_status emw_writer_create(emw_writer **out)
{
    if (!out) return EMOC_E_ARG;
    *out = calloc(1, sizeof **out);
    if (!*out) return EMOC_E_NOMEM;
    (*out)->meta = calloc(EMW_MAX_META, sizeof(emw__wmeta));
    (*out)->tensors = calloc(EMW_MAX_TENSORS, sizeof(emw__wtensor));
    if (!(*out)->meta || !(*out)->tensors) {
        emw_writer_free(*out);
        *out = NULL;
        return EMOC_E_NOMEM;
    }
    return EMOC_OK;
}

void emw_writer_free(emw_writer *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n_meta; i++) {
        emw__wmeta *m = &w->meta[i];
        free(m->key);
        free(m->str);
        free(m->i64s);
        free(m->f64s);
        if (m->strs)
            for (size_t k = 0; k < m->count; k++) free(m->strs[k]);
        free(m->strs);
    }
    for (size_t i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].bytes);
        free(w->tensors[i].extra);
    }
    free(w->meta);
    free(w->tensors);
    free(w);
}

const char *emw_writer_error(const emw_writer *w)
{
    return w ? w->err : "no writer";
}

/* Validates a key, name or string value against the reader's rules; copies it. */
static emoc_status emw__wtext(emw_writer *w, const char *what, const char *s, size_t cap,
                              int allow_empty, char **copy)
{
    if (!s) return emw__wfail(w, EMOC_E_ARG, "%s is NULL", what);
    size_t n = strlen(s), bad = 0;
    if (n > cap) return emw__wfail(w, EMOC_E_LIMIT, "%s is %zu bytes, cap is %zu", what, n, cap);
    if (n == 0 && !allow_empty) return emw__wfail(w, EMOC_E_ARG, "%s is empty", what);
    if (!emw__utf8_valid((const uint8_t *)s, n, &bad))
        return emw__wfail(w, EMOC_E_ARG, "%s is not valid UTF-8 (byte %zu)", what, bad);
    if (copy) {
        *copy = malloc(n + 1);
        if (!*copy) return emw__wfail(w, EMOC_E_NOMEM, "out of memory copying %s", what);
        memcpy(*copy, s, n + 1);
    }
    return EMOC_OK;
}

/* Appends an entry with a validated, unique key; the caller fills the value. */
static emoc_status emw__wmeta_new(emw_writer *w, const char *key, emw_type type, emw__wmeta **out)
{
    if (!w) return EMOC_E_ARG;
    emoc_status st = emw__wtext(w, "metadata key", key, EMW_MAX_KEY_LEN, 0, NULL);
    if (st) return st;
    for (size_t i = 0; i < w->n_meta; i++)
        if (strcmp(w->meta[i].key, key) == 0)
            return emw__wfail(w, EMOC_E_ARG, "duplicate metadata key '%s'", key);
    if (w->n_meta >= EMW_MAX_META)
        return emw__wfail(w, EMOC_E_LIMIT, "more than %d metadata entries (adding '%s')",
                          EMW_MAX_META, key);
    emw__wmeta *m = &w->meta[w->n_meta];
    memset(m, 0, sizeof *m);
    if ((st = emw__wtext(w, "metadata key", key, EMW_MAX_KEY_LEN, 0, &m->key))) return st;
    m->type = type;
    m->count = 1;
    *out = m;
    return EMOC_OK;
}

/* Drops the entry being built after a failure in its value. */
static emoc_status emw__wmeta_abort(emw_writer *w, emw__wmeta *m, emoc_status st)
{
    free(m->key);
    free(m->str);
    free(m->i64s);
    free(m->f64s);
    if (m->strs)
        for (size_t k = 0; k < m->count; k++) free(m->strs[k]);
    free(m->strs);
    memset(m, 0, sizeof *m);
    (void)w;
    return st;
}

emoc_status emw_writer_meta_str(emw_writer *w, const char *key, const char *value)
{
    emw__wmeta *m = NULL;
    emoc_status st = emw__wmeta_new(w, key, EMW_T_STR, &m);
    if (st) return st;
    char what[200];
    snprintf(what, sizeof what, "metadata '%s' value", key);
    if ((st = emw__wtext(w, what, value, EMW_MAX_STR_LEN, 1, &m->str)))
        return emw__wmeta_abort(w, m, st);
    w->n_meta++;
    return EMOC_OK;
}

emoc_status emw_writer_meta_i64(emw_writer *w, const char *key, int64_t value)
{
    emw__wmeta *m = NULL;
    emoc_status st = emw__wmeta_new(w, key, EMW_T_I64, &m);
    if (st) return st;
    m->i64 = value;
    w->n_meta++;
    return EMOC_OK;
}

emoc_status emw_writer_meta_f64(emw_writer *w, const char *key, double value)
{
    if (w && !isfinite(value))
        return emw__wfail(w, EMOC_E_NONFINITE, "metadata '%s' value is not finite",
                          key ? key : "(null)");
    emw__wmeta *m = NULL;
    emoc_status st = emw__wmeta_new(w, key, EMW_T_F64, &m);
    if (st) return st;
    m->f64 = value;
    w->n_meta++;
    return EMOC_OK;
}

static emoc_status emw__warray(emw_writer *w, const char *key, emw_type type, const void *v,
                               size_t n, emw__wmeta **out)
{
    if (!w) return EMOC_E_ARG;
    if (n > EMW_MAX_ARRAY_LEN)
        return emw__wfail(w, EMOC_E_LIMIT, "metadata '%s' has %zu elements, cap is %d",
                          key ? key : "(null)", n, EMW_MAX_ARRAY_LEN);
    if (n && !v) return emw__wfail(w, EMOC_E_ARG, "metadata '%s': NULL values", key ? key : "");
    emoc_status st = emw__wmeta_new(w, key, type, out);
    if (st) return st;
    (*out)->count = n;
    return EMOC_OK;
}

emoc_status emw_writer_meta_i64_array(emw_writer *w, const char *key, const int64_t *v, size_t n)
{
    emw__wmeta *m = NULL;
    emoc_status st = emw__warray(w, key, EMW_T_I64_ARRAY, v, n, &m);
    if (st) return st;
    m->i64s = malloc(n * sizeof *v + 1);
    if (!m->i64s) return emw__wmeta_abort(w, m, EMOC_E_NOMEM);
    if (n) memcpy(m->i64s, v, n * sizeof *v);
    w->n_meta++;
    return EMOC_OK;
}

emoc_status emw_writer_meta_f64_array(emw_writer *w, const char *key, const double *v, size_t n)
{
    for (size_t i = 0; w && v && i < n; i++)
        if (!isfinite(v[i]))
            return emw__wfail(w, EMOC_E_NONFINITE, "metadata '%s' element %zu is not finite",
                              key ? key : "(null)", i);
    emw__wmeta *m = NULL;
    emoc_status st = emw__warray(w, key, EMW_T_F64_ARRAY, v, n, &m);
    if (st) return st;
    m->f64s = malloc(n * sizeof *v + 1);
    if (!m->f64s) return emw__wmeta_abort(w, m, EMOC_E_NOMEM);
    if (n) memcpy(m->f64s, v, n * sizeof *v);
    w->n_meta++;
    return EMOC_OK;
}

emoc_status emw_writer_meta_str_array(emw_writer *w, const char *key, const char *const *v,
                                      size_t n)
{
    emw__wmeta *m = NULL;
    emoc_status st = emw__warray(w, key, EMW_T_STR_ARRAY, v, n, &m);
    if (st) return st;
    m->strs = calloc(n + 1, sizeof *m->strs);
    if (!m->strs) return emw__wmeta_abort(w, m, EMOC_E_NOMEM);
    for (size_t i = 0; i < n; i++) {
        char what[200];
        snprintf(what, sizeof what, "metadata '%s' element %zu", key, i);
        if ((st = emw__wtext(w, what, v[i], EMW_MAX_STR_LEN, 1, &m->strs[i])))
            return emw__wmeta_abort(w, m, st);
    }
    w->n_meta++;
    return EMOC_OK;
}

emoc_status emw_writer_add_tensor(emw_writer *w, const char *name, emw_dtype dtype, int rank,
                                  const int64_t *dims, const float *data)
{
    if (!w) return EMOC_E_ARG;
    emoc_status st = emw__wtext(w, "tensor name", name, EMW_MAX_NAME_LEN, 0, NULL);
    if (st) return st;
    if (dtype != EMW_F32 && dtype != EMW_F16)
        return emw__wfail(w, EMOC_E_UNSUPPORTED, "tensor '%s': dtype %d is not writable", name,
                          (int)dtype);
    if (rank < 1 || rank > EMW_MAX_RANK || !dims)
        return emw__wfail(w, EMOC_E_ARG, "tensor '%s': rank %d outside 1..%d", name, rank,
                          EMW_MAX_RANK);
    for (size_t i = 0; i < w->n_tensors; i++)
        if (strcmp(w->tensors[i].name, name) == 0)
            return emw__wfail(w, EMOC_E_ARG, "duplicate tensor name '%s'", name);
    if (w->n_tensors >= EMW_MAX_TENSORS)
        return emw__wfail(w, EMOC_E_LIMIT, "more than %d tensors (adding '%s')", EMW_MAX_TENSORS,
                          name);
    emw__wtensor t = {.dtype = dtype, .rank = rank, .count = 1};
    for (int d = 0; d < rank; d++) {
        if (dims[d] < 1 || dims[d] > EMW_MAX_DIM)
            return emw__wfail(w, EMOC_E_ARG, "tensor '%s': dimension %d is %lld, must be 1..%lld",
                              name, d, (long long)dims[d], (long long)EMW_MAX_DIM);
        t.dims[d] = (uint64_t)dims[d];
        if (!emw__mul(t.count, t.dims[d], &t.count) || t.count > EMW_MAX_FILE_BYTES / 4)
            return emw__wfail(w, EMOC_E_LIMIT, "tensor '%s': too many elements", name);
    }
    if (!data) return emw__wfail(w, EMOC_E_ARG, "tensor '%s': NULL data", name);
    size_t esize = emw_dtype_size(dtype);
    t.nbytes = t.count * esize;
    t.bytes = malloc((size_t)t.nbytes);
    if (!t.bytes) return emw__wfail(w, EMOC_E_NOMEM, "tensor '%s': out of memory", name);
    for (uint64_t i = 0; i < t.count; i++) {
        float v = data[i];
        if (!isfinite(v)) {
            free(t.bytes);
            return emw__wfail(w, EMOC_E_NONFINITE, "tensor '%s': element %llu is %s", name,
                              (unsigned long long)i, isnan(v) ? "NaN" : "infinite");
        }
        if (dtype == EMW_F32) {
            uint32_t bits;
            memcpy(&bits, &v, sizeof bits);
            emw__st32(t.bytes + 4 * i, bits);
        } else {
            uint16_t h = emw_f32_to_f16(v);
            if ((h & 0x7c00u) == 0x7c00u) {
                free(t.bytes);
                return emw__wfail(w, EMOC_E_NONFINITE,
                                  "tensor '%s': element %llu = %g overflows f16 (max 65504)", name,
                                  (unsigned long long)i, (double)v);
            }
            emw__st16(t.bytes + 2 * i, h);
        }
    }
    t.crc = emoc__crc32(0, t.bytes, (size_t)t.nbytes);
    t.name = malloc(strlen(name) + 1);
    if (!t.name) {
        free(t.bytes);
        return emw__wfail(w, EMOC_E_NOMEM, "tensor '%s': out of memory", name);
    }
    strcpy(t.name, name);
    w->tensors[w->n_tensors++] = t;
    return EMOC_OK;
}

/* The f32 row-major tensor `name`, to be stored in a reduced dtype; NULL and a message if none. */
static emw__wtensor *emw__reducible(emw_writer *w, const char *name, int gemm)
{
    emw__wtensor *t = NULL;
    for (size_t i = 0; w && name && i < w->n_tensors; i++)
        if (strcmp(w->tensors[i].name, name) == 0) t = &w->tensors[i];
    if (!t) {
        emw__wfail(w, EMOC_E_ARG, "no tensor '%s' to store in reduced precision", name);
        return NULL;
    }
    if (t->dtype != EMW_F32 || t->layout != EMW_LAYOUT_ROWS ||
        (gemm && !(t->rank == 2 || (t->rank == 4 && t->dims[2] == 1 && t->dims[3] == 1)))) {
        emw__wfail(w, EMOC_E_ARG, "tensor '%s': only an f32 row-major %s can be stored so", name,
                   gemm ? "GEMM weight [N][K](1,1)" : "tensor");
        return NULL;
    }
    return t;
}

/* New bytes (malloc'ed, nbytes long) for t, its CRC updated. */
static void emw__replace(emw__wtensor *t, emw_dtype dtype, uint8_t *bytes, uint64_t nbytes)
{
    free(t->bytes);
    t->bytes = bytes;
    t->nbytes = nbytes;
    t->dtype = dtype;
    t->crc = emoc__crc32(0, t->bytes, (size_t)t->nbytes);
}

emoc_status emw_writer_set_bf16(emw_writer *w, const char *name, const uint16_t *bits)
{
    emw__wtensor *t = emw__reducible(w, name, 0);
    if (!t) return EMOC_E_ARG;
    uint8_t *bytes = malloc((size_t)t->count * 2);
    if (!bytes) return emw__wfail(w, EMOC_E_NOMEM, "tensor '%s': out of memory", name);
    for (uint64_t i = 0; i < t->count; i++) {
        if ((bits[i] & 0x7f80u) == 0x7f80u) {
            free(bytes);
            return emw__wfail(w, EMOC_E_NONFINITE, "tensor '%s': bf16 element %llu is not finite",
                              name, (unsigned long long)i);
        }
        emw__st16(bytes + 2 * i, bits[i]);
    }
    emw__replace(t, EMW_BF16, bytes, t->count * 2);
    return EMOC_OK;
}

emoc_status emw_writer_set_i8(emw_writer *w, const char *name, const int8_t *q,
                              const float *scales, float act_scale)
{
    emw__wtensor *t = emw__reducible(w, name, 1);
    if (!t) return EMOC_E_ARG;
    size_t N = (size_t)t->dims[0], xl = EMW_I8_EXTRA_FIXED + 4 * N;
    if (xl > 65535)
        return emw__wfail(w, EMOC_E_LIMIT, "tensor '%s': %zu output channels, int8 records hold "
                          "at most 16381 scales", name, N);
    for (size_t n = 0; n <= N; n++) {
        float v = n ? scales[n - 1] : act_scale;
        if (!n && v == 0.0f && !signbit(v)) continue; /* +0: one scale per row (format 1.3) */
        if (!(v > 0.0f) || !isfinite(v))
            return emw__wfail(w, EMOC_E_ARG, "tensor '%s': int8 %s %zu is %g, must be finite and > 0",
                              name, n ? "weight scale" : "activation scale (or 0)", n ? n - 1 : 0,
                              (double)v);
    }
    for (uint64_t i = 0; i < t->count; i++)
        if (q[i] == -128)
            return emw__wfail(w, EMOC_E_ARG, "tensor '%s': int8 element %llu is -128 (symmetric "
                              "range is -127..127)", name, (unsigned long long)i);
    uint8_t *bytes = malloc((size_t)t->count), *extra = calloc(1, xl);
    if (!bytes || !extra) {
        free(bytes);
        free(extra);
        return emw__wfail(w, EMOC_E_NOMEM, "tensor '%s': out of memory", name);
    }
    memcpy(bytes, q, (size_t)t->count);
    for (size_t n = 0; n <= N; n++) {
        float v = n ? scales[n - 1] : act_scale;
        uint32_t b;
        memcpy(&b, &v, 4);
        emw__st32(extra + 4 + 4 * n, b);
    }
    emw__replace(t, EMW_I8, bytes, t->count);
    free(t->extra);
    t->extra = extra;
    t->extra_len = xl;
    return EMOC_OK;
}

emoc_status emw_writer_set_layout(emw_writer *w, const char *name, emw_layout layout)
{
    if (!w || !name) return EMOC_E_ARG;
    emw__wtensor *t = NULL;
    for (size_t i = 0; i < w->n_tensors; i++)
        if (strcmp(w->tensors[i].name, name) == 0) t = &w->tensors[i];
    if (!t) return emw__wfail(w, EMOC_E_ARG, "set_layout: no tensor '%s'", name);
    if (layout == t->layout) return EMOC_OK;
    int64_t dims[EMW_MAX_RANK];
    for (int d = 0; d < t->rank; d++) dims[d] = (int64_t)t->dims[d];
    uint64_t stored = emw_layout_stored(layout, t->rank, dims);
    if (t->layout != EMW_LAYOUT_ROWS || layout == EMW_LAYOUT_ROWS || !stored)
        return emw__wfail(w, EMOC_E_ARG,
                          "tensor '%s': cannot store rank-%d %s data as layout %s (gemm_p32 "
                          "takes [N][K] or [N][K][1][1], dw_hwc [C][1][kh][kw] row-major data)",
                          name, t->rank, emw_layout_name(t->layout), emw_layout_name(layout));
    size_t es = emw_dtype_size(t->dtype);
    uint8_t *bytes = calloc((size_t)stored, es); /* padding lanes stay zero */
    if (!bytes) return emw__wfail(w, EMOC_E_NOMEM, "tensor '%s': out of memory", name);
    if (layout == EMW_LAYOUT_GEMM_P32) {
        int N = (int)t->dims[0], K = (int)t->dims[1];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                memcpy(bytes + es * emoc__gemm_packed_index(K, N, n, k),
                       t->bytes + es * ((size_t)n * (size_t)K + (size_t)k), es);
    } else { /* dw_hwc: [C][taps] → [taps][C] */
        size_t C = (size_t)t->dims[0], taps = (size_t)(t->dims[2] * t->dims[3]);
        for (size_t c = 0; c < C; c++)
            for (size_t k = 0; k < taps; k++)
                memcpy(bytes + es * (k * C + c), t->bytes + es * (c * taps + k), es);
    }
    free(t->bytes);
    t->bytes = bytes;
    t->nbytes = stored * es;
    t->layout = layout;
    t->crc = emoc__crc32(0, t->bytes, (size_t)t->nbytes);
    return EMOC_OK;
}

/* ------------------------------------------------------------------------------------------- */
/* Serialisation                                                                               */
/* ------------------------------------------------------------------------------------------- */

static uint64_t emw__meta_bytes(const emw__wmeta *m)
{
    uint64_t n = 2 + strlen(m->key) + 1;
    switch (m->type) {
    case EMW_T_I64:
    case EMW_T_F64: return n + 8;
    case EMW_T_STR: return n + 4 + strlen(m->str);
    case EMW_T_I64_ARRAY:
    case EMW_T_F64_ARRAY: return n + 4 + 8 * (uint64_t)m->count;
    case EMW_T_STR_ARRAY:
        n += 4;
        for (size_t i = 0; i < m->count; i++) n += 4 + strlen(m->strs[i]);
        return n;
    }
    return n;
}

static uint8_t *emw__put_text(uint8_t *p, const char *s, int len_bytes)
{
    size_t n = strlen(s);
    if (len_bytes == 2) emw__st16(p, (uint16_t)n);
    else emw__st32(p, (uint32_t)n);
    p += len_bytes;
    memcpy(p, s, n);
    return p + n;
}

static uint8_t *emw__put_meta(uint8_t *p, const emw__wmeta *m)
{
    p = emw__put_text(p, m->key, 2);
    *p++ = (uint8_t)m->type;
    uint64_t bits;
    switch (m->type) {
    case EMW_T_I64: emw__st64(p, (uint64_t)m->i64); return p + 8;
    case EMW_T_F64: memcpy(&bits, &m->f64, 8); emw__st64(p, bits); return p + 8;
    case EMW_T_STR: return emw__put_text(p, m->str, 4);
    default: break;
    }
    emw__st32(p, (uint32_t)m->count);
    p += 4;
    for (size_t i = 0; i < m->count; i++) {
        if (m->type == EMW_T_I64_ARRAY) {
            emw__st64(p, (uint64_t)m->i64s[i]);
            p += 8;
        } else if (m->type == EMW_T_F64_ARRAY) {
            memcpy(&bits, &m->f64s[i], 8);
            emw__st64(p, bits);
            p += 8;
        } else {
            p = emw__put_text(p, m->strs[i], 4);
        }
    }
    return p;
}

emoc_status emw_writer_to_memory(emw_writer *w, uint8_t **out, size_t *out_size)
{
    if (!w || !out || !out_size) return EMOC_E_ARG;
    *out = NULL;
    *out_size = 0;
    /* Sizes: all entries passed the caps, so these sums stay far below 2^63. */
    uint64_t hb = EMW_PREAMBLE_BYTES + 4;
    for (size_t i = 0; i < w->n_meta; i++) hb += emw__meta_bytes(&w->meta[i]);
    int minor = 0; /* 1.0 unless a tensor needs 1.1 (a layout), 1.2 (bf16, int8) or 1.3 (int8
                    * with one activation scale per row: act_scale 0) */
    for (size_t i = 0; i < w->n_tensors; i++) {
        const emw__wtensor *t = &w->tensors[i];
        hb += 2 + strlen(t->name) + 4 + 8 * (uint64_t)t->rank + 20 + t->extra_len;
        if (t->layout != EMW_LAYOUT_ROWS) {
            hb += EMW_LAYOUT_EXTRA_BYTES;
            minor = minor > 1 ? minor : 1;
        }
        if (t->dtype == EMW_BF16 || t->dtype == EMW_I8) minor = minor > 2 ? minor : 2;
        if (t->dtype == EMW_I8 && emw__ld32(t->extra + 4) == 0) minor = 3;
    }
    if (hb > EMW_MAX_HEADER_BYTES)
        return emw__wfail(w, EMOC_E_LIMIT, "header would be %llu bytes, cap is %llu",
                          (unsigned long long)hb, (unsigned long long)EMW_MAX_HEADER_BYTES);
    uint64_t data_off, db = 0;
    emw__align_up(hb, EMW_ALIGN, &data_off);
    uint64_t *offs = calloc(w->n_tensors + 1, sizeof *offs);
    if (!offs) return emw__wfail(w, EMOC_E_NOMEM, "out of memory");
    for (size_t i = 0; i < w->n_tensors; i++) {
        if (!emw__align_up(db, EMW_ALIGN, &offs[i]) ||
            !emw__add(offs[i], w->tensors[i].nbytes, &db) || data_off + db > EMW_MAX_FILE_BYTES) {
            free(offs);
            return emw__wfail(w, EMOC_E_LIMIT, "file would exceed %llu bytes at tensor '%s'",
                              (unsigned long long)EMW_MAX_FILE_BYTES, w->tensors[i].name);
        }
    }
    size_t total = (size_t)(data_off + db);
    uint8_t *buf = calloc(1, total);
    if (!buf) {
        free(offs);
        return emw__wfail(w, EMOC_E_NOMEM, "cannot allocate %zu bytes", total);
    }
    memcpy(buf, EMW_MAGIC, 4);
    emw__st16(buf + 4, EMW_VERSION_MAJOR);
    emw__st16(buf + 6, (uint16_t)minor);
    emw__st32(buf + 8, EMW_BYTE_ORDER_MARK);
    emw__st32(buf + 12, EMW_ALIGN);
    emw__st32(buf + 16, 0);
    emw__st32(buf + 20, (uint32_t)w->n_meta);
    emw__st32(buf + 24, (uint32_t)w->n_tensors);
    emw__st32(buf + 28, 0);
    emw__st64(buf + 32, hb);
    emw__st64(buf + 40, db);
    uint8_t *p = buf + EMW_PREAMBLE_BYTES;
    for (size_t i = 0; i < w->n_meta; i++) p = emw__put_meta(p, &w->meta[i]);
    for (size_t i = 0; i < w->n_tensors; i++) {
        const emw__wtensor *t = &w->tensors[i];
        p = emw__put_text(p, t->name, 2);
        p[0] = (uint8_t)t->dtype;
        p[1] = (uint8_t)t->rank;
        /* extra-parameter length: a layout's 4 bytes (1.1), int8 scales (1.2), else none */
        emw__st16(p + 2, (uint16_t)(t->layout ? EMW_LAYOUT_EXTRA_BYTES : t->extra_len));
        p += 4;
        for (int d = 0; d < t->rank; d++, p += 8) emw__st64(p, t->dims[d]);
        emw__st64(p, offs[i]);
        emw__st64(p + 8, t->nbytes);
        emw__st32(p + 16, t->crc);
        p += 20;
        if (t->layout) {
            p[0] = (uint8_t)t->layout;
            p[1] = p[2] = p[3] = 0;
            p += EMW_LAYOUT_EXTRA_BYTES;
        }
        if (t->extra_len) {
            memcpy(p, t->extra, t->extra_len);
            p += t->extra_len;
        }
        memcpy(buf + data_off + offs[i], t->bytes, (size_t)t->nbytes);
    }
    emw__st32(p, emoc__crc32(0, buf, (size_t)hb - 4));
    free(offs);
    *out = buf;
    *out_size = total;
    return EMOC_OK;
}

/* Writes all n bytes to fd; 0 or an errno. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n > ((size_t)1 << 30) ? (size_t)1 << 30 : n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k < 0 ? errno : EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A new file beside the target, renamed over it only when complete: a failed save leaves the
 * old file as it was and removes nothing but its own temporary file. A target that exists and
 * is not a regular file (a device, a FIFO) is written in place and never removed; a symbolic
 * link is followed (the link stays). */
emoc_status emw_writer_save(emw_writer *w, const char *path)
{
    if (!w || !path) return EMOC_E_ARG;
    uint8_t *buf;
    size_t n;
    emoc_status st = emw_writer_to_memory(w, &buf, &n);
    if (st) return st;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        int fd = S_ISDIR(sb.st_mode) ? -1 : open(path, O_WRONLY | O_CLOEXEC);
        int e = fd < 0 ? (S_ISDIR(sb.st_mode) ? EISDIR : errno) : write_all(fd, buf, n);
        if (fd >= 0 && close(fd) != 0 && !e) e = errno;
        free(buf);
        if (e) return emw__wfail(w, EMOC_E_IO, "cannot write '%s': %s", path, strerror(e));
        return EMOC_OK;
    }
    char *resolved = realpath(path, NULL);
    const char *target = resolved ? resolved : path;
    size_t tl = strlen(target) + 40;
    char *tmp = malloc(tl);
    int fd = -1, e = 0;
    for (int k = 0; tmp && k < 100 && fd < 0; k++) {
        snprintf(tmp, tl, "%s.emoc-tmp-%ld-%d", target, (long)getpid(), k);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        e = tmp ? errno : ENOMEM;
        st = emw__wfail(w, EMOC_E_IO, "cannot create '%s': %s", path, strerror(e));
    } else {
        e = write_all(fd, buf, n);
        if (close(fd) != 0 && !e) e = errno;
        if (!e && rename(tmp, target) != 0) e = errno;
        if (e) {
            unlink(tmp); /* ours: created above with O_EXCL */
            st = emw__wfail(w, EMOC_E_IO, "write to '%s' failed: %s (the previous file, if any, is unchanged)",
                            path, strerror(e));
        }
    }
    free(tmp);
    free(resolved);
    free(buf);
    return st;
}
