/*
 * emw_check_data.c — second half of the EMW reader: the data section (FORMAT.md §6).
 *
 * Tensors must tile the data section in table order: tensor 0 at offset 0, each next one at the
 * first multiple of 64 after the end of the previous one, the section ending exactly at the end
 * of the last tensor; padding bytes are zero. This rules out overlap, gaps and hidden trailing
 * content (polyglot files). Then tensor CRC-32s are verified and every value is scanned for
 * NaN/Inf. Values are read byte by byte, so the file buffer needs no particular alignment.
 */
#include "engine/base/error.h"
#include "engine/base/gemm_panels.h"
#include "engine/base/hash_accel.h"
#include "engine/emw/emw_read_internal.h"
#include "engine/emw/emw_util.h"

#include <stdio.h>
#include <string.h>

/* First non-zero byte in [from, to) of the file, or `to`. */
static uint64_t emw__nonzero(const uint8_t *b, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++)
        if (b[i]) return i;
    return to;
}

emoc_status emw__check_layout(emw__rd *r, emw_file *f)
{
    uint64_t nz = emw__nonzero(r->buf, f->header_bytes, f->data_offset);
    if (nz < f->data_offset)
        return emw__fail(r, EMOC_E_FORMAT,
                         "non-zero padding byte 0x%02x at offset %llu between the header (ends at "
                         "%llu) and the data section (starts at %llu)",
                         r->buf[nz], (unsigned long long)nz, (unsigned long long)f->header_bytes,
                         (unsigned long long)f->data_offset);
    uint64_t prev_end = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < f->n_tensors; i++) {
        emw_tensor *t = &f->tensors[i];
        char dims[160];
        emoc__dims_str(dims, sizeof dims, t->rank, t->dims);
        uint64_t expect, end;
        emw__align_up(prev_end, EMW_ALIGN, &expect); /* prev_end <= data_bytes <= 1 GiB */
        if (t->offset % EMW_ALIGN != 0)
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': offset %llu is not a multiple of %d (misaligned)",
                             t->name, (unsigned long long)t->offset, EMW_ALIGN);
        if (t->offset < prev_end)
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': bytes [%llu, %llu) overlap tensor '%s' which ends at "
                             "%llu (tensors must follow table order)",
                             t->name, (unsigned long long)t->offset,
                             (unsigned long long)(t->offset + t->nbytes), prev,
                             (unsigned long long)prev_end);
        if (t->offset > expect)
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': offset %llu leaves a gap after %s (expected offset "
                             "%llu)",
                             t->name, (unsigned long long)t->offset,
                             prev ? prev : "the start of the data section",
                             (unsigned long long)expect);
        if (!emw__add(t->offset, t->nbytes, &end) || end > f->data_bytes)
            return emw__fail(r, EMOC_E_FORMAT,
                             "tensor '%s': declared %s %s = %llu bytes at offset %llu, data "
                             "section has %llu bytes",
                             t->name, dims, emw_dtype_name(t->dtype),
                             (unsigned long long)t->nbytes, (unsigned long long)t->offset,
                             (unsigned long long)f->data_bytes);
        uint64_t base = f->data_offset;
        nz = emw__nonzero(r->buf, base + prev_end, base + t->offset);
        if (nz < base + t->offset)
            return emw__fail(r, EMOC_E_FORMAT,
                             "non-zero padding byte 0x%02x at offset %llu before tensor '%s'",
                             r->buf[nz], (unsigned long long)nz, t->name);
        prev_end = end;
        prev = t->name;
    }
    if (prev_end != f->data_bytes)
        return emw__fail(r, EMOC_E_FORMAT,
                         "%llu trailing bytes in the data section after %s (tensors end at %llu, "
                         "data_bytes is %llu)",
                         (unsigned long long)(f->data_bytes - prev_end),
                         prev ? prev : "the (empty) tensor table", (unsigned long long)prev_end,
                         (unsigned long long)f->data_bytes);
    return EMOC_OK;
}

/* The tensor CRC and the NaN/Inf scan go over the data together, a block at a time, so each
 * byte comes from memory once (the scan reads the block the CRC just brought into L1). */
#define EMW_CHECK_BLOCK ((size_t)32 << 10)

emoc_status emw__check_data(emw__rd *r, emw_file *f, int verify_crc)
{
    for (size_t i = 0; i < f->n_tensors; i++) {
        emw_tensor *t = &f->tensors[i];
        const uint8_t *p = r->buf + f->data_offset + t->offset;
        t->data = p;
        uint64_t abs = f->data_offset + t->offset;
        int f16 = t->dtype == EMW_F16, suspect = 0;
        uint32_t crc = 0;
        for (size_t off = 0; off < t->nbytes; off += EMW_CHECK_BLOCK) {
            size_t len = (size_t)t->nbytes - off < EMW_CHECK_BLOCK ? (size_t)t->nbytes - off
                                                                    : EMW_CHECK_BLOCK;
            if (verify_crc) crc = emoc__crc32(crc, p + off, len);
            if (!suspect && (f16 || t->dtype == EMW_F32))
                suspect = emoc__nonfinite_any(p + off, len, f16);
        }
        if (verify_crc) {
            if (crc != t->crc32)
                return emw__fail(r, EMOC_E_CHECKSUM,
                                 "tensor '%s': CRC-32 mismatch: table says 0x%08x, data at "
                                 "offset %llu (%llu bytes) gives 0x%08x",
                                 t->name, t->crc32, (unsigned long long)abs,
                                 (unsigned long long)t->nbytes, crc);
        }
        if (t->layout == EMW_LAYOUT_GEMM_P32) {
            /* the zero lanes of a last panel narrower than its width: nothing unexplained */
            int N = (int)t->dims[0], K = (int)t->dims[1], n0 = N - N % EMOC_GEMM_PANEL;
            int width = n0 < N ? emoc__gemm_panel_width(N, n0) : 0;
            size_t es = emw_dtype_size(t->dtype);
            for (int k = 0; k < K; k++)
                for (int j = N - n0; j < width; j++) {
                    uint64_t e = (uint64_t)n0 * (uint64_t)K + (uint64_t)k * (uint64_t)width +
                                 (uint64_t)j;
                    uint32_t bits = es == 4 ? emw__ld32(p + 4 * e) : emw__ld16(p + 2 * e);
                    if (bits)
                        return emw__fail(r, EMOC_E_FORMAT,
                                         "tensor '%s': padding lane %d of the last panel, row %d "
                                         "(offset %llu), is not zero",
                                         t->name, j, k, (unsigned long long)(abs + e * es));
                }
        }
        if (t->dtype == EMW_BF16 || t->dtype == EMW_I8) {
            /* bf16: all-ones exponent is Inf/NaN; int8: symmetric, -128 has no meaning */
            for (uint64_t k = 0; k < t->stored; k++) {
                int bad = t->dtype == EMW_I8 ? p[k] == 0x80
                                             : (emw__ld16(p + 2 * k) & 0x7f80u) == 0x7f80u;
                if (bad)
                    return emw__fail(r, t->dtype == EMW_I8 ? EMOC_E_FORMAT : EMOC_E_NONFINITE,
                                     "tensor '%s': element %llu (offset %llu) is %s",
                                     t->name, (unsigned long long)k,
                                     (unsigned long long)(abs + k * emw_dtype_size(t->dtype)),
                                     t->dtype == EMW_I8 ? "-128 (int8 weights are symmetric, "
                                                          "-127..127)"
                                                        : "not finite; weights must be finite");
            }
            continue;
        }
        for (uint64_t k = 0; suspect && k < t->stored; k++) {
            /* all-ones exponent = Inf (zero mantissa) or NaN */
            uint32_t bits = t->dtype == EMW_F32 ? emw__ld32(p + 4 * k) : emw__ld16(p + 2 * k);
            uint32_t exp_mask = t->dtype == EMW_F32 ? 0x7f800000u : 0x7c00u;
            uint32_t mant_mask = t->dtype == EMW_F32 ? 0x007fffffu : 0x03ffu;
            if ((bits & exp_mask) == exp_mask)
                return emw__fail(r, EMOC_E_NONFINITE,
                                 "tensor '%s': element %llu (offset %llu) is %s; weights must be "
                                 "finite",
                                 t->name, (unsigned long long)k,
                                 (unsigned long long)(abs + k * emw_dtype_size(t->dtype)),
                                 (bits & mant_mask) ? "NaN" : "infinite");
        }
    }
    return EMOC_OK;
}
