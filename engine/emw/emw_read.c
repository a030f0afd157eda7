/*
 * emw_read.c — parses and validates an EMW file held in memory (spec: weights/FORMAT.md).
 *
 * Nothing in the file is trusted (docs/reliability.md, loader checklist). The header is read through a bounded
 * cursor (`n <= end - pos`, never `pos + n <= end`); every count and length is capped before use;
 * all size arithmetic is overflow-checked (engine/emw/emw_util.h); the dtype and value-type enums
 * are closed. All tables and strings go into one allocation whose size is computed up front
 * from the header size and the (capped) counts, so memory is bounded by a function of the file
 * size. Checks of the data section (layout, padding, CRCs, NaN/Inf) live in emw_check_data.c.
 * Every failure returns its own status and a message naming the field, byte offset and values.
 */
#include "engine/base/error.h"
#include "engine/emw/emw.h"
#include "engine/emw/emw_read_internal.h"
#include "engine/emw/emw_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

emoc_status emw__fail(emw__rd *r, emoc_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vfail(r->err, st, fmt, ap);
    va_end(ap);
    return st;
}

/* Takes n bytes of header records; the cursor never passes r->end. */
static emoc_status emw__take(emw__rd *r, uint64_t n, const char *what, const uint8_t **p)
{
    if (n > r->end - r->pos)
        return emw__fail(r, EMOC_E_FORMAT,
                         "%s needs %llu bytes at offset %llu, but the header records end at "
                         "offset %llu (%llu bytes left)",
                         what, (unsigned long long)n, (unsigned long long)r->pos,
                         (unsigned long long)r->end, (unsigned long long)(r->end - r->pos));
    *p = r->buf + r->pos;
    r->pos += n;
    return EMOC_OK;
}

/* Bump allocation from the single storage block; running out is a sizing bug, not bad input. */
static void *emw__alloc(emw__rd *r, size_t n, size_t align)
{
    size_t at = (r->store_used + (align - 1)) & ~(align - 1);
    if (at < r->store_used || at > r->store_cap || n > r->store_cap - at) return NULL;
    r->store_used = at + n;
    return r->store + at;
}

static emoc_status emw__nomem(emw__rd *r)
{
    return emw__fail(r, EMOC_E_INTERNAL,
                     "EMW reader storage bound of %zu bytes exceeded at header offset %llu",
                     r->store_cap, (unsigned long long)r->pos);
}

/* Reads `len` bytes of text (key, name or string value) into storage, NUL-terminated. */
static emoc_status emw__text(emw__rd *r, uint64_t len, uint64_t cap, int allow_empty,
                             const char *what, const char **out)
{
    if (len > cap)
        return emw__fail(r, EMOC_E_LIMIT, "%s at offset %llu is %llu bytes long, cap is %llu",
                         what, (unsigned long long)r->pos, (unsigned long long)len,
                         (unsigned long long)cap);
    if (len == 0 && !allow_empty)
        return emw__fail(r, EMOC_E_FORMAT, "%s at offset %llu is empty", what,
                         (unsigned long long)r->pos);
    uint64_t at = r->pos;
    const uint8_t *p = NULL;
    emoc_status st = emw__take(r, len, what, &p);
    if (st) return st;
    size_t bad = 0;
    if (!emw__utf8_valid(p, (size_t)len, &bad))
        return emw__fail(r, EMOC_E_FORMAT,
                         "%s at offset %llu is not valid UTF-8 (byte 0x%02x at offset %llu)", what,
                         (unsigned long long)at, p[bad], (unsigned long long)(at + bad));
    char *s = emw__alloc(r, (size_t)len + 1, 1);
    if (!s) return emw__nomem(r);
    memcpy(s, p, (size_t)len);
    s[len] = '\0';
    *out = s;
    return EMOC_OK;
}

/* ------------------------------------------------------------------------------------------- */
/* Fixed header (FORMAT.md §2)                                                                 */
/* ------------------------------------------------------------------------------------------- */

static emoc_status emw__preamble(emw__rd *r, emw_file *f, uint32_t *n_meta, uint32_t *n_tensors)
{
    const uint8_t *b = r->buf;
    size_t size = r->size;
    if (size < 4)
        return emw__fail(r, EMOC_E_TRUNCATED, "file has %zu bytes; the magic alone needs 4", size);
    if (memcmp(b, EMW_MAGIC, 4) != 0)
        return emw__fail(r, EMOC_E_FORMAT,
                         "bad magic at offset 0: %02x %02x %02x %02x, expected 45 4d 57 1a "
                         "(\"EMW\\x1a\"); not an EMW file",
                         b[0], b[1], b[2], b[3]);
    if (size < 8)
        return emw__fail(r, EMOC_E_TRUNCATED,
                         "file has %zu bytes; the magic and version need 8", size);
    f->version_major = emw__ld16(b + 4);
    f->version_minor = emw__ld16(b + 6);
    if (f->version_major != EMW_VERSION_MAJOR)
        return emw__fail(r, EMOC_E_VERSION,
                         "format version %u.%u at offset 4: this reader supports major version "
                         "%d only (convert the weights again with a matching emoc)",
                         f->version_major, f->version_minor, EMW_VERSION_MAJOR);
    if (size < EMW_PREAMBLE_BYTES)
        return emw__fail(r, EMOC_E_TRUNCATED, "file has %zu bytes; the fixed header needs %d",
                         size, EMW_PREAMBLE_BYTES);
    if ((uint64_t)size > EMW_MAX_FILE_BYTES)
        return emw__fail(r, EMOC_E_LIMIT, "file has %zu bytes, cap is %llu", size,
                         (unsigned long long)EMW_MAX_FILE_BYTES);
    uint32_t bom = emw__ld32(b + 8);
    if (bom != EMW_BYTE_ORDER_MARK)
        return emw__fail(r, EMOC_E_FORMAT,
                         "byte-order mark at offset 8 is 0x%08x, expected 0x%08x (little-endian)",
                         bom, EMW_BYTE_ORDER_MARK);
    uint32_t align = emw__ld32(b + 12);
    if (align != EMW_ALIGN)
        return emw__fail(r, EMOC_E_FORMAT, "alignment at offset 12 is %u; version 1 requires %d",
                         align, EMW_ALIGN);
    uint32_t flags = emw__ld32(b + 16);
    if (flags != 0)
        return emw__fail(r, EMOC_E_FORMAT, "flags at offset 16 are 0x%08x; version 1 defines none",
                         flags);
    uint32_t reserved = emw__ld32(b + 28);
    if (reserved != 0)
        return emw__fail(r, EMOC_E_FORMAT, "reserved field at offset 28 is 0x%08x, must be 0",
                         reserved);
    *n_meta = emw__ld32(b + 20);
    *n_tensors = emw__ld32(b + 24);
    if (*n_meta > EMW_MAX_META)
        return emw__fail(r, EMOC_E_LIMIT, "n_meta at offset 20 is %u, cap is %d", *n_meta,
                         EMW_MAX_META);
    if (*n_tensors > EMW_MAX_TENSORS)
        return emw__fail(r, EMOC_E_LIMIT, "n_tensors at offset 24 is %u, cap is %d", *n_tensors,
                         EMW_MAX_TENSORS);
    uint64_t hb = emw__ld64(b + 32);
    if (hb < EMW_PREAMBLE_BYTES + 4)
        return emw__fail(r, EMOC_E_FORMAT,
                         "header_bytes at offset 32 is %llu, less than the %d-byte minimum",
                         (unsigned long long)hb, EMW_PREAMBLE_BYTES + 4);
    if (hb > EMW_MAX_HEADER_BYTES)
        return emw__fail(r, EMOC_E_LIMIT, "header_bytes at offset 32 is %llu, cap is %llu",
                         (unsigned long long)hb, (unsigned long long)EMW_MAX_HEADER_BYTES);
    if (hb > size)
        return emw__fail(r, EMOC_E_TRUNCATED,
                         "header_bytes at offset 32 declares %llu bytes, file has %zu",
                         (unsigned long long)hb, size);
    /* Counts that could not fit: minimum record sizes times counts (no overflow: capped). */
    uint64_t min_records = (uint64_t)*n_meta * EMW_MIN_META_BYTES +
                           (uint64_t)*n_tensors * EMW_MIN_TENSOR_BYTES;
    uint64_t room = hb - EMW_PREAMBLE_BYTES - 4;
    if (min_records > room)
        return emw__fail(r, EMOC_E_FORMAT,
                         "n_meta=%u and n_tensors=%u need at least %llu bytes of records, the "
                         "header (header_bytes=%llu) has room for %llu",
                         *n_meta, *n_tensors, (unsigned long long)min_records,
                         (unsigned long long)hb, (unsigned long long)room);
    uint64_t data_off, data_end;
    uint64_t db = emw__ld64(b + 40);
    emw__align_up(hb, EMW_ALIGN, &data_off); /* hb <= 16 MiB: cannot wrap */
    if (!emw__add(data_off, db, &data_end))
        return emw__fail(r, EMOC_E_FORMAT,
                         "data_bytes at offset 40 (%llu) overflows when added to the data offset "
                         "%llu",
                         (unsigned long long)db, (unsigned long long)data_off);
    if (data_end > size)
        return emw__fail(r, EMOC_E_TRUNCATED,
                         "data section of %llu bytes (data_bytes at offset 40) starts at offset "
                         "%llu and ends at %llu, but the file has %zu bytes",
                         (unsigned long long)db, (unsigned long long)data_off,
                         (unsigned long long)data_end, size);
    if (data_end < size)
        return emw__fail(r, EMOC_E_FORMAT,
                         "%llu trailing bytes after the data section (which ends at offset %llu)",
                         (unsigned long long)(size - data_end), (unsigned long long)data_end);
    f->header_bytes = hb;
    f->data_offset = data_off;
    f->data_bytes = db;
    r->pos = EMW_PREAMBLE_BYTES;
    r->end = hb - 4;
    return EMOC_OK;
}

/* ------------------------------------------------------------------------------------------- */
/* Metadata entries (FORMAT.md §3)                                                             */
/* ------------------------------------------------------------------------------------------- */

static emoc_status emw__meta_value(emw__rd *r, emw_meta *m)
{
    char what[200];
    const uint8_t *p = NULL;
    emoc_status st;
    uint64_t at = r->pos;
    snprintf(what, sizeof what, "metadata '%s' (%s)", m->key, emw_type_name(m->type));
    switch (m->type) {
    case EMW_T_I64:
        if ((st = emw__take(r, 8, what, &p))) return st;
        m->count = 1;
        m->i64 = (int64_t)emw__ld64(p);
        return EMOC_OK;
    case EMW_T_F64: {
        if ((st = emw__take(r, 8, what, &p))) return st;
        uint64_t bits = emw__ld64(p);
        memcpy(&m->f64, &bits, sizeof m->f64);
        m->count = 1;
        if (!isfinite(m->f64))
            return emw__fail(r, EMOC_E_NONFINITE, "%s at offset %llu is %s", what,
                             (unsigned long long)at, isnan(m->f64) ? "NaN" : "infinite");
        return EMOC_OK;
    }
    case EMW_T_STR:
        if ((st = emw__take(r, 4, what, &p))) return st;
        m->count = 1;
        return emw__text(r, emw__ld32(p), EMW_MAX_STR_LEN, 1, what, &m->str);
    case EMW_T_I64_ARRAY:
    case EMW_T_F64_ARRAY:
    case EMW_T_STR_ARRAY:
        break;
    default:
        return emw__fail(r, EMOC_E_FORMAT,
                         "metadata '%s' at offset %llu has unknown value type %d (known: 0..5)",
                         m->key, (unsigned long long)(at - 1), (int)m->type);
    }
    if ((st = emw__take(r, 4, what, &p))) return st;
    uint32_t n = emw__ld32(p);
    if (n > EMW_MAX_ARRAY_LEN)
        return emw__fail(r, EMOC_E_LIMIT, "%s at offset %llu has %u elements, cap is %d", what,
                         (unsigned long long)at, n, EMW_MAX_ARRAY_LEN);
    m->count = n;
    if (m->type == EMW_T_STR_ARRAY) {
        /* Each element takes at least its 4-byte length: reject counts that cannot fit. */
        if ((uint64_t)n * 4 > r->end - r->pos)
            return emw__fail(r, EMOC_E_FORMAT,
                             "%s at offset %llu declares %u strings, needing at least %llu bytes, "
                             "but %llu header bytes are left",
                             what, (unsigned long long)at, n, (unsigned long long)n * 4,
                             (unsigned long long)(r->end - r->pos));
        const char **v = emw__alloc(r, (size_t)n * sizeof *v + 1, sizeof(void *));
        if (!v) return emw__nomem(r);
        for (uint32_t i = 0; i < n; i++) {
            char ewhat[240];
            snprintf(ewhat, sizeof ewhat, "metadata '%s' element %u", m->key, i);
            if ((st = emw__take(r, 4, ewhat, &p))) return st;
            if ((st = emw__text(r, emw__ld32(p), EMW_MAX_STR_LEN, 1, ewhat, &v[i]))) return st;
        }
        m->strs = v;
        return EMOC_OK;
    }
    if ((st = emw__take(r, (uint64_t)n * 8, what, &p))) return st;
    void *v = emw__alloc(r, (size_t)n * 8 + 1, 8);
    if (!v) return emw__nomem(r);
    if (m->type == EMW_T_I64_ARRAY) {
        int64_t *iv = v;
        for (uint32_t i = 0; i < n; i++) iv[i] = (int64_t)emw__ld64(p + 8 * (size_t)i);
        m->i64s = iv;
    } else {
        double *dv = v;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t bits = emw__ld64(p + 8 * (size_t)i);
            memcpy(&dv[i], &bits, sizeof dv[i]);
            if (!isfinite(dv[i]))
                return emw__fail(r, EMOC_E_NONFINITE, "%s element %u at offset %llu is %s", what,
                                 i, (unsigned long long)(at + 4 + 8 * (uint64_t)i),
                                 isnan(dv[i]) ? "NaN" : "infinite");
        }
        m->f64s = dv;
    }
    return EMOC_OK;
}

static emoc_status emw__metadata(emw__rd *r, emw_file *f)
{
    for (size_t i = 0; i < f->n_meta; i++) {
        emw_meta *m = &f->meta[i];
        char what[64];
        const uint8_t *p = NULL;
        emoc_status st;
        snprintf(what, sizeof what, "metadata entry %zu key length", i);
        if ((st = emw__take(r, 2, what, &p))) return st;
        uint64_t key_at = r->pos;
        snprintf(what, sizeof what, "metadata entry %zu key", i);
        if ((st = emw__text(r, emw__ld16(p), EMW_MAX_KEY_LEN, 0, what, &m->key))) return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->meta[j].key, m->key) == 0)
                return emw__fail(r, EMOC_E_FORMAT,
                                 "duplicate metadata key '%s' at offset %llu (entry %zu repeats "
                                 "entry %zu)",
                                 m->key, (unsigned long long)key_at, i, j);
        snprintf(what, sizeof what, "metadata entry %zu type", i);
        if ((st = emw__take(r, 1, what, &p))) return st;
        m->type = (emw_type)p[0];
        if ((st = emw__meta_value(r, m))) return st;
    }
    return EMOC_OK;
}

/* ------------------------------------------------------------------------------------------- */
/* Tensor table (FORMAT.md §4)                                                                 */
/* ------------------------------------------------------------------------------------------- */

static float emw__f32_at(const uint8_t *p)
{
    uint32_t bits = emw__ld32(p);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* An int8 record (FORMAT.md §4.2): a GEMM weight [N][K] or [N][K][1][1], its extra bytes
 * u8 axis 0, u8 scale dtype 0 (f32), u16 reserved 0, f32 activation scale, N f32 weight
 * scales; every scale finite and > 0, except an activation scale +0 (format 1.3: one scale per
 * pixel row, taken at run time). */
static emoc_status emw__i8_params(emw__rd *r, emw_tensor *t, unsigned extra)
{
    if (!(t->rank == 2 || (t->rank == 4 && t->dims[2] == 1 && t->dims[3] == 1)))
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': int8 needs a GEMM weight [N][K] or [N][K][1][1], file "
                         "has rank %d",
                         t->name, t->rank);
    uint64_t want = EMW_I8_EXTRA_FIXED + 4 * (uint64_t)t->dims[0], at = r->pos;
    if (extra != want)
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': int8 extra-parameter length %u, expected %llu (8 + 4 "
                         "per output channel)",
                         t->name, extra, (unsigned long long)want);
    char what[320];
    const uint8_t *p = NULL;
    emoc_status st;
    snprintf(what, sizeof what, "tensor '%s' int8 scales", t->name);
    if ((st = emw__take(r, extra, what, &p))) return st;
    if (p[0] || p[1] || p[2] || p[3])
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': int8 axis/scale dtype/reserved at offset %llu are %u %u "
                         "%u %u, expected 0 0 0 0 (axis 0, f32 scales)",
                         t->name, (unsigned long long)at, p[0], p[1], p[2], p[3]);
    if (emw__ld32(p + 4) == 0 && r->minor < 3) /* +0: one scale per row (row-max), 1.3 */
        return emw__fail(r, EMOC_E_UNSUPPORTED,
                         "tensor '%s': int8 activation scale 0 (one scale per pixel row, "
                         "row-max) at offset %llu needs format 1.3, the file says 1.%u",
                         t->name, (unsigned long long)(at + 4), r->minor);
    for (uint64_t n = 0; n <= (uint64_t)t->dims[0]; n++) {
        float v = emw__f32_at(p + 4 + 4 * n);
        if (!n && emw__ld32(p + 4) == 0) continue;
        if (!(v > 0.0f) || !isfinite(v)) {
            char which[48] = "activation scale";
            if (n) snprintf(which, sizeof which, "weight scale of channel %llu",
                            (unsigned long long)(n - 1));
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': int8 %s at offset %llu is %g, must be finite and > 0",
                             t->name, which, (unsigned long long)(at + 4 + 4 * n), (double)v);
        }
    }
    t->act_scale = emw__f32_at(p + 4);
    t->scales = p + 8;
    return EMOC_OK;
}

static emoc_status emw__tensor_record(emw__rd *r, size_t i, emw_tensor *t)
{
    char what[320];
    const uint8_t *p = NULL;
    emoc_status st;
    snprintf(what, sizeof what, "tensor %zu name length", i);
    if ((st = emw__take(r, 2, what, &p))) return st;
    snprintf(what, sizeof what, "tensor %zu name", i);
    if ((st = emw__text(r, emw__ld16(p), EMW_MAX_NAME_LEN, 0, what, &t->name))) return st;
    snprintf(what, sizeof what, "tensor '%s' dtype/rank/extra fields", t->name);
    uint64_t at = r->pos;
    if ((st = emw__take(r, 4, what, &p))) return st;
    unsigned dtype = p[0], rank = p[1], extra = emw__ld16(p + 2);
    if ((dtype == EMW_BF16 || dtype == EMW_I8) && r->minor < 2)
        /* what a 1.0/1.1 reader says of every such file: refused by name, never misread */
        return emw__fail(r, EMOC_E_UNSUPPORTED,
                         "tensor '%s': dtype %u (%s) at offset %llu needs format 1.2, the file "
                         "says 1.%u",
                         t->name, dtype, emw_dtype_name((int)dtype), (unsigned long long)at,
                         r->minor);
    if (dtype > EMW_I8)
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': unknown dtype %u at offset %llu (known: 0 f32, 1 f16, "
                         "2 bf16, 3 int8)",
                         t->name, dtype, (unsigned long long)at);
    if (rank > EMW_MAX_RANK)
        return emw__fail(r, EMOC_E_LIMIT, "tensor '%s': rank %u at offset %llu exceeds max %d",
                         t->name, rank, (unsigned long long)(at + 1), EMW_MAX_RANK);
    if (rank == 0)
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': rank 0 at offset %llu (scalars are stored as [1])",
                         t->name, (unsigned long long)(at + 1));
    if (dtype == EMW_BF16 && extra != 0)
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': extra-parameter length %u at offset %llu, but bf16 "
                         "tensors take none (row-major only)",
                         t->name, extra, (unsigned long long)(at + 2));
    if (dtype != EMW_I8 && extra != 0 && (r->minor < 1 || extra != EMW_LAYOUT_EXTRA_BYTES))
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': extra-parameter length %u at offset %llu, but %s tensors "
                         "take %s",
                         t->name, extra, (unsigned long long)(at + 2), emw_dtype_name((int)dtype),
                         r->minor < 1 ? "none in format 1.0" : "none or 4 (a layout) in format 1.1");
    t->dtype = (emw_dtype)dtype;
    t->rank = (int)rank;
    snprintf(what, sizeof what, "tensor '%s' dims/offset/length/crc", t->name);
    at = r->pos;
    if ((st = emw__take(r, 8ull * rank + 20, what, &p))) return st;
    uint64_t count = 1;
    for (unsigned d = 0; d < rank; d++) {
        uint64_t dim = emw__ld64(p + 8 * d);
        if (dim == 0)
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': dimension %u at offset %llu is 0 (empty tensors are "
                             "not allowed)",
                             t->name, d, (unsigned long long)(at + 8 * d));
        if (dim > (uint64_t)EMW_MAX_DIM)
            return emw__fail(r, EMOC_E_LIMIT,
                             "tensor '%s': dimension %u at offset %llu is %llu, cap is %lld",
                             t->name, d, (unsigned long long)(at + 8 * d),
                             (unsigned long long)dim, (long long)EMW_MAX_DIM);
        if (!emw__mul(count, dim, &count) || count > EMW_MAX_FILE_BYTES)
            return emw__fail(r, EMOC_E_LIMIT,
                             "tensor '%s': product of dimensions 0..%u (at offset %llu) overflows "
                             "or exceeds %llu elements",
                             t->name, d, (unsigned long long)at,
                             (unsigned long long)EMW_MAX_FILE_BYTES);
        t->dims[d] = (int64_t)dim;
    }
    const uint8_t *q = p + 8 * rank;
    t->count = count;
    t->offset = emw__ld64(q);
    t->nbytes = emw__ld64(q + 8);
    t->crc32 = emw__ld32(q + 16);
    t->layout = EMW_LAYOUT_ROWS;
    t->stored = count;
    t->act_scale = 0.0f;
    t->scales = NULL;
    if (dtype == EMW_I8) {
        if ((st = emw__i8_params(r, t, extra))) return st;
    } else if (extra) {
        uint64_t eat = r->pos;
        snprintf(what, sizeof what, "tensor '%s' layout", t->name);
        if ((st = emw__take(r, extra, what, &p))) return st;
        if (p[1] || p[2] || p[3])
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': layout reserved bytes at offset %llu are %02x %02x %02x, "
                             "must be 0",
                             t->name, (unsigned long long)(eat + 1), p[1], p[2], p[3]);
        if (p[0] != EMW_LAYOUT_GEMM_P32 && p[0] != EMW_LAYOUT_DW_HWC)
            return emw__fail(r, p[0] == EMW_LAYOUT_ROWS ? EMOC_E_FORMAT : EMOC_E_UNSUPPORTED,
                             "tensor '%s': layout %u at offset %llu %s (known: 1 gemm_p32, "
                             "2 dw_hwc)",
                             t->name, p[0], (unsigned long long)eat,
                             p[0] == EMW_LAYOUT_ROWS ? "is stated with extra bytes, which it "
                                                       "takes none of"
                                                     : "is unknown to this reader");
        t->layout = (emw_layout)p[0];
        t->stored = emw_layout_stored(t->layout, t->rank, t->dims);
        if (!t->stored) {
            char dims[160];
            emoc__dims_str(dims, sizeof dims, t->rank, t->dims);
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': layout %s at offset %llu needs dims %s, file has %s",
                             t->name, emw_layout_name(t->layout), (unsigned long long)eat,
                             t->layout == EMW_LAYOUT_GEMM_P32 ? "[N][K] or [N][K][1][1]"
                                                              : "[C][1][kh][kw]",
                             dims);
        }
    }
    /* stored <= count + 15·K <= 2^31: no overflow */
    uint64_t expect = t->stored * emw_dtype_size((int)dtype);
    if (t->nbytes != expect) {
        char dims[160];
        emoc__dims_str(dims, sizeof dims, t->rank, t->dims);
        return emw__fail(r, EMOC_E_FORMAT,
                         "tensor '%s': declared %s %s%s = %llu bytes, but its byte length at "
                         "offset %llu says %llu",
                         t->name, dims, emw_dtype_name((int)dtype),
                         t->layout == EMW_LAYOUT_GEMM_P32 ? " in panels of 32" : "",
                         (unsigned long long)expect,
                         (unsigned long long)(at + 8 * rank + 8),
                         (unsigned long long)t->nbytes);
    }
    return EMOC_OK;
}

static int emw__cmp_name(const void *a, const void *b)
{
    const emw_tensor *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static emoc_status emw__tensors(emw__rd *r, emw_file *f)
{
    for (size_t i = 0; i < f->n_tensors; i++) {
        emoc_status st = emw__tensor_record(r, i, &f->tensors[i]);
        if (st) return st;
    }
    if (r->pos != r->end)
        return emw__fail(r, EMOC_E_FORMAT,
                         "%llu unexplained bytes in the header between the last record (ends at "
                         "offset %llu) and the header CRC at offset %llu",
                         (unsigned long long)(r->end - r->pos), (unsigned long long)r->pos,
                         (unsigned long long)r->end);
    /* Unique names: sort pointers (storage reserved for them) and compare neighbours. */
    if (f->n_tensors > 1) {
        const emw_tensor **sorted = emw__alloc(r, f->n_tensors * sizeof *sorted, sizeof(void *));
        if (!sorted) return emw__nomem(r);
        for (size_t i = 0; i < f->n_tensors; i++) sorted[i] = &f->tensors[i];
        qsort(sorted, f->n_tensors, sizeof *sorted, emw__cmp_name);
        for (size_t i = 1; i < f->n_tensors; i++)
            if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
                size_t a = (size_t)(sorted[i - 1] - f->tensors), b = (size_t)(sorted[i] - f->tensors);
                return emw__fail(r, EMOC_E_FORMAT, "duplicate tensor name '%s' (tensors %zu and %zu)",
                                 sorted[i]->name, a < b ? a : b, a < b ? b : a);
            }
    }
    return EMOC_OK;
}

/* ------------------------------------------------------------------------------------------- */
/* Entry point                                                                                 */
/* ------------------------------------------------------------------------------------------- */

static void *emw__store_alloc(const emoc_allocator *a, size_t n)
{
    if (!a || !a->alloc) return calloc(1, n);
    void *p = a->alloc(a->user, n, 16);
    if (p) memset(p, 0, n);
    return p;
}

static void emw__store_free(const emoc_allocator *a, void *p)
{
    if (!p) return;
    if (a && a->alloc && a->free) a->free(a->user, p);
    else if (!a || !a->alloc) free(p);
}

emoc_status emw_parse(const uint8_t *buf, size_t size, int verify_data_crc, emw_file *f,
                      emoc_error *err)
{
    return emw_parse_alloc(buf, size, verify_data_crc, NULL, f, err);
}

emoc_status emw_parse_alloc(const uint8_t *buf, size_t size, int verify_data_crc,
                            const emoc_allocator *alloc, emw_file *f, emoc_error *err)
{
    emw__rd rd = {.buf = buf, .size = size, .err = err};
    emw__rd *r = &rd;
    if (err) err->msg[0] = '\0';
    if (!f) return emw__fail(r, EMOC_E_ARG, "emw_parse: NULL output");
    memset(f, 0, sizeof *f);
    if (!buf && size) return emw__fail(r, EMOC_E_ARG, "emw_parse: NULL buffer of %zu bytes", size);

    uint32_t n_meta = 0, n_tensors = 0;
    emoc_status st = emw__preamble(r, f, &n_meta, &n_tensors);
    if (st) goto fail;
    r->minor = f->version_minor;

    /* Storage bound (FORMAT.md §7): tables + sorted-name index + every string and array at
     * most three times its on-disk size (an empty string in a str[] is 4 bytes on disk, a
     * pointer + NUL in storage) + alignment slack. Counts are capped, header_bytes <= 16 MiB,
     * so nothing here can overflow. */
    r->store_cap = (size_t)n_meta * sizeof(emw_meta) + (size_t)n_tensors * sizeof(emw_tensor) +
                   (size_t)n_tensors * sizeof(void *) + 3 * (size_t)f->header_bytes +
                   16 * (size_t)n_meta + 64;
    r->store = emw__store_alloc(alloc, r->store_cap);
    if (!r->store) {
        st = emw__fail(r, EMOC_E_NOMEM, "cannot allocate %zu bytes for the EMW tables",
                       r->store_cap);
        goto fail;
    }
    f->n_meta = n_meta;
    f->n_tensors = n_tensors;
    f->meta = emw__alloc(r, (size_t)n_meta * sizeof(emw_meta), _Alignof(emw_meta));
    f->tensors = emw__alloc(r, (size_t)n_tensors * sizeof(emw_tensor), _Alignof(emw_tensor));
    if (!f->meta || !f->tensors) {
        st = emw__nomem(r);
        goto fail;
    }
    if ((st = emw__metadata(r, f))) goto fail;
    if ((st = emw__tensors(r, f))) goto fail;
    if ((st = emw__check_layout(r, f))) goto fail;

    f->header_crc32 = emw__ld32(buf + f->header_bytes - 4);
    uint32_t crc = emoc__crc32(0, buf, (size_t)f->header_bytes - 4);
    if (crc != f->header_crc32) {
        st = emw__fail(r, EMOC_E_CHECKSUM,
                       "header CRC-32 mismatch: stored 0x%08x at offset %llu, computed 0x%08x "
                       "over bytes [0, %llu)",
                       f->header_crc32, (unsigned long long)(f->header_bytes - 4), crc,
                       (unsigned long long)(f->header_bytes - 4));
        goto fail;
    }
    if ((st = emw__check_data(r, f, verify_data_crc))) goto fail;
    f->data_crc_verified = verify_data_crc ? 1 : 0;
    f->storage_bytes = r->store_cap;
    f->_storage = r->store;
    if (alloc) f->_alloc = *alloc;
    return EMOC_OK;

fail:
    emw__store_free(alloc, r->store);
    memset(f, 0, sizeof *f);
    return st;
}

void emw_file_release(emw_file *f)
{
    if (!f) return;
    emw__store_free(&f->_alloc, f->_storage);
    memset(f, 0, sizeof *f);
}
