/*
 * convert_pth_load.c — from a PyTorch checkpoint to named float32 tensors (weights/pth.h).
 *
 * Zip layout: finds <prefix>/data.pkl and runs the restricted pickle machine on it; legacy layout:
 * pth_legacy.c runs its pickles and locates the storages' bytes. Then picks the state_dict (the
 * top-level dict or the one under "model_state_dict" / "state_dict"), and materialises each
 * tensor from its storage (<prefix>/data/<key>, or the legacy tail): the storage must hold
 * exactly numel elements of its type, the tensor's extent (offset + Σ (size−1)·stride) must lie
 * inside it, and strided views are gathered into contiguous row-major arrays. Output memory is capped by the file size.
 */
#include "engine/core/error.h"
#include "weights/pth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PTH_MAX_COUNT (INT64_C(1) << 34)   /* elements in one tensor */

typedef struct pth_priv {
    char *names;                /* one block of NUL-terminated names */
} pth_priv;

size_t emoc__dtype_size(emoc_pth_dtype dt)
{
    static const size_t sz[EMOC_PTH_DTYPE_COUNT] = {4, 2, 8, 2, 8, 4};
    return (unsigned)dt < EMOC_PTH_DTYPE_COUNT ? sz[dt] : 0;
}

const char *emoc_pth_dtype_name(emoc_pth_dtype dt)
{
    static const char *nm[EMOC_PTH_DTYPE_COUNT] = {"float32", "float16", "float64", "bfloat16",
                                                   "int64", "int32"};
    return (unsigned)dt < EMOC_PTH_DTYPE_COUNT ? nm[dt] : "?";
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3FF) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Element i of a little-endian storage as float. */
static float load_elem(const uint8_t *p, emoc_pth_dtype dt)
{
    uint64_t u = 0;
    size_t n = emoc__dtype_size(dt);
    for (size_t i = n; i-- > 0;) u = u << 8 | p[i];
    switch (dt) {
    case EMOC_PTH_F32: { uint32_t b = (uint32_t)u; float f; memcpy(&f, &b, 4); return f; }
    case EMOC_PTH_F16: return half_to_float((uint16_t)u);
    case EMOC_PTH_F64: { double d; memcpy(&d, &u, 8); return (float)d; }
    case EMOC_PTH_BF16: { uint32_t b = (uint32_t)u << 16; float f; memcpy(&f, &b, 4); return f; }
    case EMOC_PTH_I64: return (float)(int64_t)u;
    case EMOC_PTH_I32: return (float)(int32_t)(uint32_t)u;
    default: return 0.0f;
    }
}

/* Gathers a strided view into a contiguous array (odometer over the dims). */
static void gather(const uint8_t *base, emoc_pth_dtype dt, uint64_t offset, int rank,
                   const int64_t *sizes, const int64_t *strides, uint64_t count, float *dst)
{
    size_t es = emoc__dtype_size(dt);
    int64_t idx[EMOC_PTH_MAX_RANK] = {0};
    uint64_t pos = offset;
    for (uint64_t i = 0; i < count; i++) {
        dst[i] = load_elem(base + pos * es, dt);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < sizes[d]) {
                pos += (uint64_t)strides[d];
                break;
            }
            pos -= (uint64_t)strides[d] * (uint64_t)(sizes[d] - 1);
            idx[d] = 0;
        }
    }
}

static const emoc__pv *dict_get(const emoc__pv *d, const char *key)
{
    for (size_t i = 0; i + 1 < d->u.seq.n; i += 2) {
        const emoc__pv *k = d->u.seq.items[i];
        if (k->type == EMOC__PV_STR && !strcmp(k->u.str.s, key)) return d->u.seq.items[i + 1];
    }
    return NULL;
}

static emoc_status find_pickle(const emoc__zip *z, const emoc__zip_entry **pkl, size_t *prefix_len,
                               emoc_error *err)
{
    *pkl = NULL;
    for (size_t i = 0; i < z->n; i++) {
        const emoc__zip_entry *e = &z->entries[i];
        static const char tail[] = "/data.pkl";
        size_t tl = sizeof tail - 1;
        if (e->name_len <= tl || memcmp(e->name + e->name_len - tl, tail, tl)) continue;
        if (memchr(e->name, '/', e->name_len - tl)) continue; /* only <prefix>/data.pkl */
        if (*pkl)
            return emoc__fail(err, EMOC_E_FORMAT,
                              "checkpoint has two data.pkl entries (%.*s, %.*s)",
                              (int)(*pkl)->name_len, (*pkl)->name, (int)e->name_len, e->name);
        *pkl = e;
        *prefix_len = e->name_len - tl;
    }
    if (!*pkl)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "zip archive has no <name>/data.pkl entry: not a "
                          "PyTorch checkpoint saved by torch.save (>= 1.6)");
    return EMOC_OK;
}

/* Where the storages' bytes are: zip entries <prefix>/data/<key>, or the legacy tail. */
typedef struct storage_src {
    const emoc__zip *z;
    const char *prefix;
    size_t plen;
    const emoc__legacy *lg;
} storage_src;

static emoc_status find_storage(const storage_src *src, const char *name, const emoc__pv *s,
                                const uint8_t **data, uint64_t *size, char *label, size_t cap,
                                emoc_error *err)
{
    if (src->lg) {
        snprintf(label, cap, "%s", s->u.storage.key);
        const emoc__legacy_storage *ls = emoc__legacy_find(src->lg, s->u.storage.key);
        if (!ls) /* unreachable: every referenced key was matched to the tail */
            return emoc__fail(err, EMOC_E_INTERNAL, "tensor '%s': storage '%s' not in the legacy "
                              "tail", name, label);
        *data = ls->data;
        *size = ls->numel * emoc__dtype_size(ls->dtype);
        return EMOC_OK;
    }
    int en = snprintf(label, cap, "%.*s/data/%s", (int)src->plen, src->prefix, s->u.storage.key);
    const emoc__zip_entry *e = (en > 0 && (size_t)en < cap)
                                   ? emoc__zip_find(src->z, label, (size_t)en) : NULL;
    if (!e)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "tensor '%s': storage entry '%s' is missing from the "
                          "archive",
                          name, label);
    *data = e->data;
    *size = e->size;
    return EMOC_OK;
}

/* Validates one tensor against its storage and returns the data it views. */
static emoc_status check_tensor(const storage_src *src, const char *name, const emoc__pv *t,
                                const uint8_t **base, uint64_t *count, emoc_error *err)
{
    const emoc__pv *s = t->u.tensor.storage;
    char ename[160];
    const uint8_t *sdata = NULL;
    uint64_t ssize = 0;
    emoc_status st = find_storage(src, name, s, &sdata, &ssize, ename, sizeof ename, err);
    if (st) return st;
    size_t es = emoc__dtype_size(s->u.storage.dtype);
    uint64_t numel = s->u.storage.numel;
    if (numel > ssize / es || numel * es != ssize)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "tensor '%s': storage '%s' holds %llu bytes but its "
                          "persistent id claims %llu elements of %zu bytes",
                          name, ename, (unsigned long long)ssize, (unsigned long long)numel, es);
    uint64_t c = 1;
    int empty = 0;
    for (int d = 0; d < t->u.tensor.rank; d++) {
        uint64_t sz = (uint64_t)t->u.tensor.sizes[d];
        if (sz == 0) empty = 1;
        else if (c > (uint64_t)PTH_MAX_COUNT / sz)
            return emoc__fail(err, EMOC_E_LIMIT, "tensor '%s': more than 2^34 elements", name);
        else
            c *= sz;
    }
    if (empty) c = 0;
    if (c > 0) {
        /* last element index = offset + Σ (size−1)·stride, each term < 2^62: checked adds */
        uint64_t last = t->u.tensor.offset;
        int over = last >= numel;
        for (int d = 0; d < t->u.tensor.rank && !over; d++) {
            uint64_t term = (uint64_t)(t->u.tensor.sizes[d] - 1) * (uint64_t)t->u.tensor.strides[d];
            if (term >= numel || last + term >= numel) over = 1;
            else last += term;
        }
        if (over)
            return emoc__fail(err, EMOC_E_FORMAT,
                              "tensor '%s' (pickle offset %zu): storage shorter "
                              "than the tensor claims — offset %llu with its sizes and strides "
                              "reaches past the %llu elements of storage '%s'",
                              name, t->u.tensor.pickle_offset,
                              (unsigned long long)t->u.tensor.offset, (unsigned long long)numel,
                              s->u.storage.key);
    }
    *base = sdata;
    *count = c;
    return EMOC_OK;
}

static emoc_status extract(const storage_src *src, const emoc__pv *sd, size_t file_size, emoc_pth_checkpoint *ck,
                           emoc_error *err)
{
    size_t n_pairs = sd->u.seq.n / 2, n_t = 0, names_len = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        const emoc__pv *k = sd->u.seq.items[2 * i], *v = sd->u.seq.items[2 * i + 1];
        if (v->type != EMOC__PV_TENSOR) {
            ck->n_non_tensor++;
            continue;
        }
        if (k->type != EMOC__PV_STR || k->u.str.len == 0 || k->u.str.len > 255)
            return emoc__fail(err, EMOC_E_FORMAT,
                              "state_dict entry %zu: key is not a string of 1–255 "
                              "bytes",
                              i);
        n_t++;
        names_len += k->u.str.len + 1;
    }
    pth_priv *priv = calloc(1, sizeof *priv);
    ck->_priv = priv;
    ck->tensors = calloc(n_t ? n_t : 1, sizeof *ck->tensors);
    if (priv) priv->names = malloc(names_len ? names_len : 1);
    if (!priv || !ck->tensors || !priv->names)
        return emoc__fail(err, EMOC_E_NOMEM, "no memory for %zu tensor entries", n_t);
    uint64_t total_bytes = 0, cap = 4 * (uint64_t)file_size + (1u << 20);
    char *np = priv->names;
    for (size_t i = 0; i < n_pairs; i++) {
        const emoc__pv *k = sd->u.seq.items[2 * i], *v = sd->u.seq.items[2 * i + 1];
        if (v->type != EMOC__PV_TENSOR) continue;
        for (size_t j = 0; j < ck->n_tensors; j++)
            if (!strcmp(ck->tensors[j].name, k->u.str.s))
                return emoc__fail(err, EMOC_E_FORMAT, "state_dict key '%s' appears twice",
                                  k->u.str.s);
        const uint8_t *base = NULL;
        uint64_t count = 0;
        emoc_status st = check_tensor(src, k->u.str.s, v, &base, &count, err);
        if (st) return st;
        if (count * 4 > cap - total_bytes)
            return emoc__fail(err, EMOC_E_LIMIT,
                              "tensor '%s': %llu elements would take the float "
                              "copies past %llu bytes (4× the file size): views repeat storage",
                              k->u.str.s, (unsigned long long)count, (unsigned long long)cap);
        total_bytes += count * 4;
        emoc_pth_tensor *t = &ck->tensors[ck->n_tensors];
        memcpy(np, k->u.str.s, k->u.str.len + 1);
        t->name = np;
        np += k->u.str.len + 1;
        t->dtype = v->u.tensor.storage->u.storage.dtype;
        t->rank = v->u.tensor.rank;
        memcpy(t->dims, v->u.tensor.sizes, sizeof t->dims);
        t->count = count;
        t->data = malloc(count ? (size_t)count * sizeof(float) : 1);
        if (!t->data)
            return emoc__fail(err, EMOC_E_NOMEM, "tensor '%s': no memory for %llu floats", t->name,
                              (unsigned long long)count);
        ck->n_tensors++;
        gather(base, t->dtype, v->u.tensor.offset, t->rank, v->u.tensor.sizes,
               v->u.tensor.strides, count, t->data);
    }
    return EMOC_OK;
}

/* The state_dict: the top-level dict itself, or the dict under one of the wrapper keys. */
static emoc_status pick_state_dict(const emoc__pv *root, const char *what, const emoc__pv **sd,
                                   emoc_pth_checkpoint *out, emoc_error *err)
{
    if (root->type != EMOC__PV_DICT)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "%s holds a %s, not a dict: a whole pickled module "
                          "is not a state_dict (save model.state_dict() instead)", what,
                          root->type == EMOC__PV_TENSOR ? "tensor"
                          : root->type == EMOC__PV_LIST ? "list"
                                                        : "non-dict value");
    *sd = root;
    static const char *const keys[] = {"model_state_dict", "state_dict"};
    for (int k = 0; k < 2; k++) {
        const emoc__pv *v = dict_get(root, keys[k]);
        if (v && v->type == EMOC__PV_DICT) {
            *sd = v;
            out->container_key = keys[k];
            out->n_skipped = root->u.seq.n / 2 - 1;
            break;
        }
    }
    return EMOC_OK;
}

static emoc_status read_legacy(const uint8_t *buf, size_t size, emoc_pth_checkpoint *out,
                               emoc_error *err)
{
    emoc__legacy lg;
    emoc_status st = emoc__legacy_open(buf, size, &lg, err);
    if (st) return st;
    const emoc__pv *sd = NULL;
    storage_src src = {.lg = &lg};
    st = pick_state_dict(lg.root, "the legacy checkpoint's object pickle", &sd, out, err);
    if (!st) st = extract(&src, sd, size, out, err);
    emoc__legacy_close(&lg);
    return st;
}

static emoc_status read_zip(const uint8_t *buf, size_t size, emoc_pth_checkpoint *out,
                            emoc_error *err)
{
    emoc__zip z;
    emoc_status st = emoc__zip_open(buf, size, &z, err);
    if (st) return st;
    const emoc__zip_entry *pkl;
    size_t plen = 0;
    emoc__pickle *pk = NULL;
    const emoc__pv *root = NULL, *sd = NULL;
    if ((st = find_pickle(&z, &pkl, &plen, err))) goto done;
    char bo[160];
    int bn = snprintf(bo, sizeof bo, "%.*s/byteorder", (int)plen, pkl->name);
    const emoc__zip_entry *e = bn > 0 && (size_t)bn < sizeof bo ? emoc__zip_find(&z, bo, (size_t)bn) : NULL;
    if (e && !(e->size == 6 && !memcmp(e->data, "little", 6))) {
        st =
            emoc__fail(err, EMOC_E_UNSUPPORTED, "checkpoint byte order '%.*s' is not little-endian",
                       (int)(e->size < 16 ? e->size : 16), (const char *)e->data);
        goto done;
    }
    if ((st = emoc__pickle_run(pkl->data, pkl->size, &pk, &root, err))) goto done;
    if ((st = pick_state_dict(root, "data.pkl", &sd, out, err))) goto done;
    storage_src src = {.z = &z, .prefix = pkl->name, .plen = plen};
    st = extract(&src, sd, size, out, err);
done:
    emoc__pickle_free(pk);
    emoc__zip_close(&z);
    return st;
}

emoc_status emoc_pth_read(const uint8_t *buf, size_t size, emoc_pth_checkpoint *out,
                          emoc_error *err)
{
    memset(out, 0, sizeof *out);
    if (!buf) return emoc__fail(err, EMOC_E_ARG, "emoc_pth_read: NULL buffer");
    emoc_status st = emoc_pth_looks_like_legacy(buf, size) ? read_legacy(buf, size, out, err)
                                                           : read_zip(buf, size, out, err);
    if (st) emoc_pth_release(out);
    return st;
}

void emoc_pth_release(emoc_pth_checkpoint *ck)
{
    if (!ck) return;
    for (size_t i = 0; i < ck->n_tensors; i++) free(ck->tensors[i].data);
    free(ck->tensors);
    pth_priv *priv = ck->_priv;
    if (priv) free(priv->names);
    free(priv);
    memset(ck, 0, sizeof *ck);
}

const emoc_pth_tensor *emoc_pth_find(const emoc_pth_checkpoint *ck, const char *name)
{
    for (size_t i = 0; i < ck->n_tensors; i++)
        if (!strcmp(ck->tensors[i].name, name)) return &ck->tensors[i];
    return NULL;
}
