/*
 * pth_zip.c — the zip container of PyTorch checkpoints: end-of-central-directory record (ZIP64
 * when needed), central directory and local headers. Only what torch.save writes is accepted:
 * stored (uncompressed), unencrypted entries. Every offset and length is checked against the
 * bytes that remain before it is used (reliability §1.5 items 1, 3, 4); entry CRC-32s are verified.
 */
#include "weights/pth.h"
#include "engine/emw/emw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u
#define ZIP_MAX_ENTRIES 100000u
#define ZIP_MAX_NAME 1024u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Copies at most 200 printable characters of a (not NUL-terminated) entry name for messages. */
static void printable_name(const char *s, size_t n, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < cap && i < 200; i++)
        out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[j] = 0;
}

static emoc_status fail(emoc_error *err, emoc_status st, const char *fmt, const char *name,
                        uint64_t a, uint64_t b)
{
    if (err) {
        char msg[400];
        snprintf(msg, sizeof msg, fmt, (unsigned long long)a, (unsigned long long)b);
        if (name)
            snprintf(err->msg, sizeof err->msg, "zip entry '%s': %s", name, msg);
        else
            snprintf(err->msg, sizeof err->msg, "zip: %s", msg);
    }
    return st;
}

/* Finds the end-of-central-directory record scanning back over at most a 64 KiB comment. */
static emoc_status find_eocd(const uint8_t *buf, size_t size, size_t *pos, emoc_error *err)
{
    if (size < 22)
        return fail(err, EMOC_E_TRUNCATED, "file of %llu bytes is too short for a zip archive "
                    "(end record needs %llu)", NULL, size, 22);
    size_t lo = size - 22 > 65535 ? size - 22 - 65535 : 0;
    for (size_t i = size - 22 + 1; i-- > lo;) {
        if (rd32(buf + i) == SIG_EOCD && (size_t)rd16(buf + i + 20) == size - 22 - i) {
            *pos = i;
            return EMOC_OK;
        }
    }
    return fail(err, EMOC_E_TRUNCATED, "no end-of-central-directory record in the last %llu bytes "
                "(truncated or not a zip archive)%.0llu", NULL, size - lo, 0);
}

/* Reads the ZIP64 end record through its locator (just before the classic end record). */
static emoc_status read_eocd64(const uint8_t *buf, size_t size, size_t eocd, uint64_t *n_entries,
                               uint64_t *cd_size, uint64_t *cd_off, emoc_error *err)
{
    if (eocd < 20 || rd32(buf + eocd - 20) != SIG_EOCD64_LOC)
        return fail(err, EMOC_E_FORMAT, "end record at offset %llu has ZIP64 markers but no "
                    "ZIP64 locator%.0llu", NULL, eocd, 0);
    uint64_t off = rd64(buf + eocd - 20 + 8);
    if (off > size || size - off < 56 || off > eocd - 20)
        return fail(err, EMOC_E_FORMAT, "ZIP64 end record offset %llu is outside the archive "
                    "(%llu bytes)", NULL, off, size);
    const uint8_t *p = buf + off;
    if (rd32(p) != SIG_EOCD64)
        return fail(err, EMOC_E_FORMAT, "bad ZIP64 end record signature at offset %llu%.0llu",
                    NULL, off, 0);
    *n_entries = rd64(p + 32);
    *cd_size = rd64(p + 40);
    *cd_off = rd64(p + 48);
    return EMOC_OK;
}

/* Applies the ZIP64 extended-information extra field (id 1) to the fields saturated at 2^32−1. */
static emoc_status apply_zip64_extra(const uint8_t *ex, size_t ex_len, uint64_t *usize,
                                     uint64_t *csize, uint64_t *loff, const char *name,
                                     emoc_error *err)
{
    int need_u = *usize == 0xFFFFFFFFu, need_c = *csize == 0xFFFFFFFFu,
        need_o = *loff == 0xFFFFFFFFu;
    if (!need_u && !need_c && !need_o) return EMOC_OK;
    size_t pos = 0;
    while (ex_len - pos >= 4) {
        uint16_t id = rd16(ex + pos), len = rd16(ex + pos + 2);
        pos += 4;
        if (len > ex_len - pos) break;
        if (id == 1) {
            const uint8_t *f = ex + pos;
            size_t left = len;
            uint64_t *want[3] = {need_u ? usize : NULL, need_c ? csize : NULL,
                                 need_o ? loff : NULL};
            for (int k = 0; k < 3; k++) {
                if (!want[k]) continue;
                if (left < 8)
                    return fail(err, EMOC_E_FORMAT, "ZIP64 extra field of %llu bytes is too "
                                "short%.0llu", name, len, 0);
                *want[k] = rd64(f);
                f += 8;
                left -= 8;
            }
            return EMOC_OK;
        }
        pos += len;
    }
    return fail(err, EMOC_E_FORMAT, "sizes are saturated (%llu) but there is no ZIP64 extra "
                "field%.0llu", name, 0xFFFFFFFFu, 0);
}

static emoc_status read_entry(const uint8_t *buf, size_t size, const uint8_t *cd, size_t cd_left,
                              size_t *consumed, emoc__zip_entry *e, uint64_t cd_pos,
                              emoc_error *err)
{
    if (cd_left < 46 || rd32(cd) != SIG_CENTRAL)
        return fail(err, EMOC_E_FORMAT, "central directory entry at offset %llu is truncated or "
                    "has a bad signature (%llu bytes left)", NULL, cd_pos, cd_left);
    uint16_t flags = rd16(cd + 8), method = rd16(cd + 10);
    uint32_t crc = rd32(cd + 16);
    uint64_t csize = rd32(cd + 20), usize = rd32(cd + 24);
    size_t nlen = rd16(cd + 28), xlen = rd16(cd + 30), clen = rd16(cd + 32);
    uint64_t loff = rd32(cd + 42);
    if (nlen + xlen + clen > cd_left - 46)
        return fail(err, EMOC_E_FORMAT, "central directory entry at offset %llu overruns the "
                    "directory (%llu bytes left)", NULL, cd_pos, cd_left - 46);
    char name[256];
    printable_name((const char *)cd + 46, nlen, name, sizeof name);
    if (nlen == 0 || nlen > ZIP_MAX_NAME)
        return fail(err, EMOC_E_FORMAT, "entry at offset %llu has a name of %llu bytes", NULL,
                    cd_pos, nlen);
    emoc_status st = apply_zip64_extra(cd + 46 + nlen, xlen, &usize, &csize, &loff, name, err);
    if (st) return st;
    if (flags & 1)
        return fail(err, EMOC_E_UNSUPPORTED, "is encrypted (flags 0x%llx); checkpoints are never "
                    "encrypted%.0llu", name, flags, 0);
    if (method != 0)
        return fail(err, EMOC_E_UNSUPPORTED, "is compressed (method %llu); only stored entries "
                    "are read (torch.save never compresses)%.0llu", name, method, 0);
    if (csize != usize)
        return fail(err, EMOC_E_FORMAT, "stored entry has compressed size %llu != size %llu",
                    name, csize, usize);
    if (loff > size || size - loff < 30 || rd32(buf + loff) != SIG_LOCAL)
        return fail(err, EMOC_E_FORMAT, "local header offset %llu is outside the archive or has a "
                    "bad signature (archive %llu bytes)", name, loff, size);
    uint64_t data_off = loff + 30 + (uint64_t)rd16(buf + loff + 26) + rd16(buf + loff + 28);
    if (data_off > size || usize > size - data_off)
        return fail(err, EMOC_E_TRUNCATED, "data at offset %llu + %llu bytes runs past the end of "
                    "the archive", name, data_off, usize);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* let fuzzers mutate past the CRC */
    if (emoc__crc32(0, buf + data_off, (size_t)usize) != crc)
        return fail(err, EMOC_E_CHECKSUM, "CRC-32 mismatch (stored 0x%08llx, %llu bytes)", name,
                    crc, usize);
#endif
    e->name = (const char *)cd + 46;
    e->name_len = nlen;
    e->data = buf + data_off;
    e->size = usize;
    *consumed = 46 + nlen + xlen + clen;
    return EMOC_OK;
}

emoc_status emoc__zip_open(const uint8_t *buf, size_t size, emoc__zip *z, emoc_error *err)
{
    memset(z, 0, sizeof *z);
    size_t eocd;
    emoc_status st = find_eocd(buf, size, &eocd, err);
    if (st) return st;
    uint64_t n_entries = rd16(buf + eocd + 10), cd_size = rd32(buf + eocd + 12),
             cd_off = rd32(buf + eocd + 16);
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        st = read_eocd64(buf, size, eocd, &n_entries, &cd_size, &cd_off, err);
        if (st) return st;
    }
    if (cd_off > eocd || cd_size > eocd - cd_off)
        return fail(err, EMOC_E_FORMAT, "central directory (offset %llu, %llu bytes) lies outside "
                    "the archive before its end record", NULL, cd_off, cd_size);
    if (n_entries == 0 || n_entries > ZIP_MAX_ENTRIES || n_entries > cd_size / 46)
        return fail(err, EMOC_E_LIMIT, "entry count %llu is zero, above the cap or cannot fit in "
                    "a directory of %llu bytes", NULL, n_entries, cd_size);
    z->entries = calloc((size_t)n_entries, sizeof *z->entries);
    if (!z->entries) return fail(err, EMOC_E_NOMEM, "no memory for %llu entries%.0llu", NULL,
                                 n_entries, 0);
    size_t pos = 0;
    for (uint64_t i = 0; i < n_entries; i++) {
        size_t used = 0;
        st = read_entry(buf, size, buf + cd_off + pos, (size_t)(cd_size - pos), &used,
                        &z->entries[i], cd_off + pos, err);
        if (st) {
            emoc__zip_close(z);
            return st;
        }
        pos += used;
        z->n++;
    }
    return EMOC_OK;
}

void emoc__zip_close(emoc__zip *z)
{
    free(z->entries);
    z->entries = NULL;
    z->n = 0;
}

const emoc__zip_entry *emoc__zip_find(const emoc__zip *z, const char *name, size_t name_len)
{
    for (size_t i = 0; i < z->n; i++)
        if (z->entries[i].name_len == name_len && !memcmp(z->entries[i].name, name, name_len))
            return &z->entries[i];
    return NULL;
}

int emoc__pth_looks_like_zip(const uint8_t *buf, size_t size)
{
    return size >= 4 && rd32(buf) == SIG_LOCAL;
}
