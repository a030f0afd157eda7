/*
 * fuzz_emw.c — libFuzzer target for the EMW reader (engine/emw/emw_read.c, emw_check_data.c,
 * emw_netmeta.c, emw_access.c). Built and run by tests/fuzz/run.sh; seeds in corpus/emw/.
 *
 * Each input is parsed as is; then a copy with the header CRC recomputed is parsed with tensor
 * CRCs off, so mutations that keep the structure valid also reach the data checks, the NaN scan,
 * the metadata check, the f16/f32 conversion and the full model load (plan builder, planner)
 * instead of stopping at a checksum mismatch.
 * The input copy is exactly `size` bytes so ASan catches any read past the end.
 */
#include "engine/emw/emw.h"

#include <stdlib.h>
#include <string.h>

/* Full model load (network metadata, plan builder's per-architecture tensor checks, planner)
 * on a file the reader accepted. */
static void load_model(const uint8_t *buf, size_t size)
{
    emoc_options opt;
    emoc_options_default(&opt);
    opt.verify_checksums = 0;
    emoc_model *m = NULL;
    emoc_error err;
    if (emoc_model_load_memory(buf, size, &opt, &m, &err) == EMOC_OK) emoc_model_free(m);
}

static void exercise(const emw_file *f)
{
    emoc_error err;
    (void)emw_check_net_meta(f, &err);
    (void)emw_find_meta(f, "emoc.arch");
    for (size_t i = 0; i < f->n_tensors; i++) {
        const emw_tensor *t = &f->tensors[i];
        if (emw_find_tensor(f, t->name) == NULL) abort(); /* names are unique and findable */
        float *v = malloc((size_t)t->count * sizeof *v);
        if (!v) continue;
        emw_tensor_to_f32(t, v);
        free(v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    emw_file f;
    emoc_error err;
    emoc_status st = emw_parse(buf, size, 1, &f, &err);
    if (st == EMOC_OK) {
        exercise(&f);
        emw_file_release(&f);
    } else if (err.msg[0] == '\0' || st == EMOC_E_INTERNAL) {
        abort(); /* every failure must explain itself; INTERNAL means a reader bug */
    }
    if (size >= EMW_PREAMBLE_BYTES) {
        uint64_t hb = 0;
        for (int i = 7; i >= 0; i--) hb = (hb << 8) | buf[32 + i];
        if (hb >= EMW_PREAMBLE_BYTES + 4 && hb <= size) {
            uint32_t crc = emoc__crc32(0, buf, (size_t)hb - 4);
            for (int i = 0; i < 4; i++) buf[hb - 4 + (uint64_t)i] = (uint8_t)(crc >> (8 * i));
            st = emw_parse(buf, size, 0, &f, &err);
            if (st == EMOC_E_INTERNAL) abort();
            if (st == EMOC_OK) {
                exercise(&f);
                emw_file_release(&f);
                load_model(buf, size);
            }
        }
    }
    free(buf);
    return 0;
}
