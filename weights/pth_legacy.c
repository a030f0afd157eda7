/*
 * pth_legacy.c — the legacy layout of PyTorch checkpoints (torch.save before 1.6, or with
 * _use_new_zipfile_serialization=False), weights/PTH.md "Legacy layout":
 *
 *   pickle  magic number 0x1950a86a20f9469cfc6c (a 10-byte LONG1)
 *   pickle  protocol version 1001
 *   pickle  sys info {protocol_version, little_endian, type_sizes}
 *   pickle  the object; its tensors name storages through persistent ids
 *           ('storage', torch.<T>Storage, key, location, numel, view_metadata)
 *   pickle  the list of storage keys, in the order their bytes follow
 *   per key: 8-byte little-endian element count, then count × element size raw bytes
 *
 * All five pickles run on the same restricted machine as the zip layout's data.pkl. Every
 * storage in the key list must be referenced by a persistent id (its element size comes from
 * there), every reference must agree on type and size, and the bytes must end exactly where the
 * last storage does.
 */
#include "engine/core/error.h"
#include "weights/pth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t MAGIC[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
#define LEGACY_PROTOCOL_VERSION 1001

/* Puts `pre` in front of the message the pickle machine wrote (which part of the file). */
static void prefix_err(emoc_error *err, const char *pre)
{
    if (!err) return;
    size_t np = strlen(pre), cap = sizeof err->msg - 1, nm = strnlen(err->msg, cap);
    if (np > cap) np = cap;
    if (nm > cap - np) nm = cap - np;
    memmove(err->msg + np, err->msg, nm);
    memcpy(err->msg, pre, np);
    err->msg[np + nm] = 0;
}

/* Offset just past the magic-number pickle, or 0 when buf does not start with one:
 * PROTO 2–5, an optional FRAME (protocol 4+), LONG1 of the 10 magic bytes, STOP. */
static size_t magic_end(const uint8_t *buf, size_t size)
{
    size_t p = 0;
    if (size < 2 || buf[0] != 0x80 || buf[1] < 2 || buf[1] > 5) return 0;
    p = 2;
    if (size - p >= 9 && buf[p] == 0x95) p += 9;
    if (size - p < 13 || buf[p] != 0x8a || buf[p + 1] != 10 || memcmp(buf + p + 2, MAGIC, 10) ||
        buf[p + 12] != '.')
        return 0;
    return p + 13;
}

int emoc_pth_looks_like_legacy(const uint8_t *buf, size_t size)
{
    return buf && magic_end(buf, size) > 0;
}

/* Runs one auxiliary pickle and keeps nothing but what check() reads from its root. */
typedef emoc_status (*root_check)(const emoc__pv *root, size_t at, emoc_error *err);

static emoc_status run_aux(const uint8_t *buf, size_t size, size_t *pos, const char *what,
                           root_check check, emoc_error *err)
{
    emoc__pickle *pk = NULL;
    const emoc__pv *root = NULL;
    size_t at = *pos;
    emoc_status st = emoc__pickle_run_at(buf, size, at, 1, pos, &pk, &root, err);
    if (st) {
        char pre[80];
        snprintf(pre, sizeof pre, "legacy checkpoint, %s pickle: ", what);
        prefix_err(err, pre);
        return st;
    }
    st = check(root, at, err);
    emoc__pickle_free(pk);
    return st;
}

static emoc_status check_version(const emoc__pv *v, size_t at, emoc_error *err)
{
    if (v->type != EMOC__PV_INT || v->u.i != LEGACY_PROTOCOL_VERSION)
        return emoc__fail(err, EMOC_E_UNSUPPORTED,
                          "legacy checkpoint: protocol version pickle at offset %zu is not the "
                          "int %d torch.save writes", at, LEGACY_PROTOCOL_VERSION);
    return EMOC_OK;
}

static const emoc__pv *dict_get(const emoc__pv *d, const char *key)
{
    for (size_t i = 0; i + 1 < d->u.seq.n; i += 2) {
        const emoc__pv *k = d->u.seq.items[i];
        if (k->type == EMOC__PV_STR && !strcmp(k->u.str.s, key)) return d->u.seq.items[i + 1];
    }
    return NULL;
}

static emoc_status check_sys_info(const emoc__pv *v, size_t at, emoc_error *err)
{
    const emoc__pv *le = v->type == EMOC__PV_DICT ? dict_get(v, "little_endian") : NULL;
    if (!le || le->type != EMOC__PV_BOOL)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "legacy checkpoint: sys-info pickle at offset %zu is not a dict with "
                          "a bool 'little_endian'", at);
    if (!le->u.i)
        return emoc__fail(err, EMOC_E_UNSUPPORTED,
                          "legacy checkpoint: saved on a big-endian machine (sys info "
                          "little_endian=False)");
    return EMOC_OK;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const emoc__legacy_storage *)a)->key, ((const emoc__legacy_storage *)b)->key);
}

static int pv_by_key(const void *a, const void *b)
{
    const emoc__pv *x = *(const emoc__pv *const *)a, *y = *(const emoc__pv *const *)b;
    return strcmp(x->u.storage.key, y->u.storage.key);
}

const emoc__legacy_storage *emoc__legacy_find(const emoc__legacy *lg, const char *key)
{
    emoc__legacy_storage probe = {.key = key};
    return lg->n ? bsearch(&probe, lg->storages, lg->n, sizeof probe, by_key) : NULL;
}

/* One entry per distinct storage key referenced by the object pickle; every reference to a
 * key must agree on its type and element count. */
static emoc_status collect_storages(emoc__legacy *lg, emoc_error *err)
{
    size_t n;
    const emoc__pv *const *all = emoc__pickle_storages(lg->pk, &n);
    const emoc__pv **sorted = malloc((n ? n : 1) * sizeof *sorted);
    lg->storages = calloc(n ? n : 1, sizeof *lg->storages);
    if (!sorted || !lg->storages) {
        free(sorted);
        return emoc__fail(err, EMOC_E_NOMEM, "legacy checkpoint: no memory for %zu storages", n);
    }
    if (n) memcpy(sorted, all, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, pv_by_key);
    emoc_status st = EMOC_OK;
    for (size_t i = 0; i < n && !st; i++) {
        const emoc__pv *s = sorted[i];
        emoc__legacy_storage *prev = lg->n ? &lg->storages[lg->n - 1] : NULL;
        if (prev && !strcmp(prev->key, s->u.storage.key)) {
            if (prev->dtype != s->u.storage.dtype || prev->numel != s->u.storage.numel)
                st = emoc__fail(err, EMOC_E_FORMAT,
                                "legacy checkpoint: storage '%s' is referenced as %llu %s and "
                                "as %llu %s elements", s->u.storage.key,
                                (unsigned long long)prev->numel, emoc_pth_dtype_name(prev->dtype),
                                (unsigned long long)s->u.storage.numel,
                                emoc_pth_dtype_name(s->u.storage.dtype));
            continue;
        }
        lg->storages[lg->n++] = (emoc__legacy_storage){s->u.storage.key, s->u.storage.dtype,
                                                       s->u.storage.numel, NULL};
    }
    free(sorted);
    return st;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The key list and the raw bytes that follow it, in the list's order. */
static emoc_status read_tail(emoc__legacy *lg, const uint8_t *buf, size_t size, size_t pos,
                             emoc_error *err)
{
    emoc__pickle *kp = NULL;
    const emoc__pv *keys = NULL;
    size_t at = pos;
    emoc_status st = emoc__pickle_run_at(buf, size, at, 1, &pos, &kp, &keys, err);
    if (st) {
        prefix_err(err, "legacy checkpoint, storage-key list pickle: ");
        return st;
    }
    if (keys->type != EMOC__PV_LIST) {
        st = emoc__fail(err, EMOC_E_FORMAT, "legacy checkpoint: the storage-key pickle at offset "
                        "%zu is not a list", at);
        goto done;
    }
    if (keys->u.seq.n != lg->n) {
        st = emoc__fail(err, EMOC_E_FORMAT, "legacy checkpoint: the storage-key list names %zu "
                        "storages but the object references %zu distinct ones",
                        keys->u.seq.n, lg->n);
        goto done;
    }
    for (size_t i = 0; i < keys->u.seq.n; i++) {
        const emoc__pv *k = keys->u.seq.items[i];
        emoc__legacy_storage *s =
            k->type == EMOC__PV_STR ? (emoc__legacy_storage *)emoc__legacy_find(lg, k->u.str.s) : NULL;
        if (!s) {
            st = emoc__fail(err, EMOC_E_FORMAT, "legacy checkpoint: storage-key list item %zu is "
                            "%s no tensor references", i, k->type == EMOC__PV_STR
                            ? "a key" : "not a string: a key");
            goto done;
        }
        if (s->data) {
            st = emoc__fail(err, EMOC_E_FORMAT, "legacy checkpoint: storage '%s' is listed twice",
                            s->key);
            goto done;
        }
        if (size - pos < 8) {
            st = emoc__fail(err, EMOC_E_TRUNCATED, "legacy checkpoint: file ends at offset %zu "
                            "before the element count of storage '%s'", size, s->key);
            goto done;
        }
        uint64_t count = rd64(buf + pos), es = emoc__dtype_size(s->dtype);
        if (count != s->numel) {
            st = emoc__fail(err, EMOC_E_FORMAT, "legacy checkpoint: storage '%s' at offset %zu "
                            "holds %llu elements but its persistent id claims %llu", s->key, pos,
                            (unsigned long long)count, (unsigned long long)s->numel);
            goto done;
        }
        pos += 8;
        if (count > (size - pos) / es) {
            st = emoc__fail(err, EMOC_E_TRUNCATED, "legacy checkpoint: storage '%s' needs %llu "
                            "bytes at offset %zu but the file ends %zu bytes later", s->key,
                            (unsigned long long)(count * es), pos, size - pos);
            goto done;
        }
        s->data = buf + pos;
        pos += (size_t)(count * es);
    }
    if (pos != size)
        st = emoc__fail(err, EMOC_E_FORMAT, "legacy checkpoint: %zu unexpected bytes after the "
                        "last storage (offset %zu)", size - pos, pos);
done:
    emoc__pickle_free(kp);
    return st;
}

emoc_status emoc__legacy_open(const uint8_t *buf, size_t size, emoc__legacy *lg, emoc_error *err)
{
    memset(lg, 0, sizeof *lg);
    size_t pos = magic_end(buf, size);
    if (!pos)
        return emoc__fail(err, EMOC_E_FORMAT, "not a legacy PyTorch checkpoint (no magic-number "
                          "pickle at offset 0)");
    emoc_status st = run_aux(buf, size, &pos, "protocol-version", check_version, err);
    if (!st) st = run_aux(buf, size, &pos, "sys-info", check_sys_info, err);
    if (st) return st;
    size_t at = pos;
    st = emoc__pickle_run_at(buf, size, at, 1, &pos, &lg->pk, &lg->root, err);
    if (st) {
        prefix_err(err, "legacy checkpoint, object pickle: ");
        return st;
    }
    st = collect_storages(lg, err);
    if (!st) st = read_tail(lg, buf, size, pos, err);
    if (st) emoc__legacy_close(lg);
    return st;
}

void emoc__legacy_close(emoc__legacy *lg)
{
    emoc__pickle_free(lg->pk);
    free(lg->storages);
    memset(lg, 0, sizeof *lg);
}
