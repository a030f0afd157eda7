/*
 * head_io.c — MTL head weights in EMW files (weights/FORMAT.md §5 with emoc.arch = "mtl_head").
 *
 * Metadata: the common output.* keys (22 scores = 8 EXPR probabilities in ABAW order, V, A,
 * 12 AUs; output.embedding_size = D, the head's input width) plus
 *   mtl_head.backbone            str   backbone the features come from ("ddamfn", "enet_b0", ...)
 *   mtl_head.backbone_embedding  i64   E (D = E + 10)
 *   mtl_head.au_hidden           i64   H
 * Tensors (f32 or f16, [in][out]): expr.kernel [D,8], expr.bias [8], va.kernel [10,2],
 * va.bias [2], au1.kernel [D,H], au1.bias [H], au2.kernel [H,12], au2.bias [12].
 */
#include "emoc_abaw.h"
#include "engine/base/error.h"
#include "engine/emw/emw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int rank;
    int64_t dims[2];
} tensor_spec;

static void head_specs(int d, int h, tensor_spec s[8])
{
    tensor_spec t[8] = {{"expr.kernel", 2, {d, EMOC_N_EXPR}}, {"expr.bias", 1, {EMOC_N_EXPR, 0}},
                        {"va.kernel", 2, {EMOC_MTL_N_SCORES, 2}}, {"va.bias", 1, {2, 0}},
                        {"au1.kernel", 2, {d, h}}, {"au1.bias", 1, {h, 0}},
                        {"au2.kernel", 2, {h, EMOC_N_AU}}, {"au2.bias", 1, {EMOC_N_AU, 0}}};
    memcpy(s, t, sizeof t);
}

static float *const *head_tensors(const emoc_mtl_head *h, float *out[8])
{
    out[0] = h->expr_kernel;
    out[1] = h->expr_bias;
    out[2] = h->va_kernel;
    out[3] = h->va_bias;
    out[4] = h->au1_kernel;
    out[5] = h->au1_bias;
    out[6] = h->au2_kernel;
    out[7] = h->au2_bias;
    return out;
}

emoc_status emoc_mtl_head_save_file(const emoc_mtl_head *h, const char *path, emoc_error *err)
{
    if (!h || !path || h->in_dim != h->embedding_size + EMOC_MTL_N_SCORES)
        return emoc__fail(err, EMOC_E_ARG, "mtl head save: bad arguments");
    emw_writer *w;
    emoc_status st = emw_writer_create(&w);
    if (st != EMOC_OK) return st;
    const char *labels[EMOC_N_EXPR];
    for (int i = 0; i < EMOC_N_EXPR; i++) labels[i] = emoc_abaw_expr_name(i);
    const char *bb = h->backbone[0] ? h->backbone : "unknown";
    char name[96];
    snprintf(name, sizeof name, "mtl_head_%s", bb);
    if (!st) st = emw_writer_meta_str(w, "emoc.arch", "mtl_head");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", bb);
    if (!st) st = emw_writer_meta_str(w, "emoc.name", name);
    char version[64];
    snprintf(version, sizeof(version), "emoc train-head %s", emoc_version_string());
    if (!st) st = emw_writer_meta_str(w, "converter.version", version);
    if (!st) st = emw_writer_meta_i64(w, "output.n_scores", EMOC_N_EXPR + 2 + EMOC_N_AU);
    if (!st) st = emw_writer_meta_i64(w, "output.n_classes", EMOC_N_EXPR);
    if (!st) st = emw_writer_meta_str_array(w, "output.labels", labels, EMOC_N_EXPR);
    if (!st) st = emw_writer_meta_i64(w, "output.valence_index", 8);
    if (!st) st = emw_writer_meta_i64(w, "output.arousal_index", 9);
    if (!st) st = emw_writer_meta_i64(w, "output.embedding_size", h->in_dim);
    if (!st) st = emw_writer_meta_str(w, "mtl_head.backbone", bb);
    if (!st) st = emw_writer_meta_i64(w, "mtl_head.backbone_embedding", h->embedding_size);
    if (!st) st = emw_writer_meta_i64(w, "mtl_head.au_hidden", h->au_hidden);
    tensor_spec spec[8];
    float *t[8];
    head_specs(h->in_dim, h->au_hidden, spec);
    head_tensors(h, t);
    for (int k = 0; k < 8 && !st; k++)
        st = emw_writer_add_tensor(w, spec[k].name, EMW_F32, spec[k].rank, spec[k].dims, t[k]);
    if (!st) st = emw_writer_save(w, path);
    if (st) emoc__fail(err, st, "writing mtl head '%s': %s", path, emw_writer_error(w));
    emw_writer_free(w);
    return st;
}

static emoc_status meta_i64(const emw_file *f, const char *key, long lo, long hi, long *out,
                            emoc_error *err)
{
    const emw_meta *m = emw_find_meta(f, key);
    if (!m || m->type != EMW_T_I64)
        return emoc__fail(err, EMOC_E_FORMAT, "mtl head: metadata '%s' missing or not i64", key);
    if (m->i64 < lo || m->i64 > hi)
        return emoc__fail(err, EMOC_E_FORMAT, "mtl head: metadata '%s' = %ld outside [%ld, ...]",
                          key, (long)m->i64, lo);
    *out = (long)m->i64;
    return EMOC_OK;
}

emoc_status emoc_mtl_head_load_memory(const void *data, size_t size, emoc_mtl_head *head,
                                      emoc_error *err)
{
    if (!data || !head) return EMOC_E_ARG;
    memset(head, 0, sizeof *head);
    emw_file f;
    emoc_status st = emw_parse((const uint8_t *)data, size, 1, &f, err);
    if (st != EMOC_OK) return st;
    const emw_meta *arch = emw_find_meta(&f, "emoc.arch");
    if (arch && arch->type == EMW_T_STR && strcmp(arch->str, "mtl_head") != 0) {
        st = emoc__fail(err, EMOC_E_UNSUPPORTED,
                        "file holds a '%s' network, not an mtl_head (emoc.arch)", arch->str);
        goto out;
    }
    if ((st = emw_check_net_meta(&f, err))) goto out;
    long e, h, d;
    if ((st = meta_i64(&f, "mtl_head.backbone_embedding", 0, 1 << 20, &e, err))) goto out;
    if ((st = meta_i64(&f, "mtl_head.au_hidden", 1, 1 << 16, &h, err))) goto out;
    if ((st = meta_i64(&f, "output.embedding_size", 1, 65536, &d, err))) goto out;
    if (d != e + EMOC_MTL_N_SCORES) {
        st = emoc__fail(err, EMOC_E_FORMAT,
                        "mtl head: output.embedding_size %ld != backbone_embedding + 10 = %ld", d,
                        e + EMOC_MTL_N_SCORES);
        goto out;
    }
    tensor_spec spec[8];
    head_specs((int)d, (int)h, spec);
    for (int k = 0; k < 8; k++) {
        const emw_tensor *t = emw_find_tensor(&f, spec[k].name);
        int ok = t && t->rank == spec[k].rank && t->dims[0] == spec[k].dims[0] &&
                 (spec[k].rank == 1 || t->dims[1] == spec[k].dims[1]);
        if (!ok) {
            st = emoc__fail(err, EMOC_E_SHAPE,
                            "mtl head: tensor '%s' missing or not of shape [%ld,%ld]", spec[k].name,
                            (long)spec[k].dims[0], (long)spec[k].dims[1]);
            goto out;
        }
    }
    if (f.n_tensors != 8) {
        st = emoc__fail(err, EMOC_E_FORMAT, "mtl head: %zu tensors, expected 8", f.n_tensors);
        goto out;
    }
    size_t np = emoc_mtl_head_param_count((int)e, (int)h);
    float *block = malloc(np * sizeof(float));
    if (!block) {
        st = emoc__fail(err, EMOC_E_NOMEM, "mtl head: out of memory");
        goto out;
    }
    const emw_meta *bb = emw_find_meta(&f, "mtl_head.backbone");
    emoc_mtl_head_view(head, (int)e, (int)h, bb && bb->type == EMW_T_STR ? bb->str : "", block);
    float *dst[8];
    head_tensors(head, dst);
    for (int k = 0; k < 8; k++) emw_tensor_to_f32(emw_find_tensor(&f, spec[k].name), dst[k]);
    head->owned = block;
out:
    emw_file_release(&f);
    return st;
}

emoc_status emoc_mtl_head_load_file(const char *path, emoc_mtl_head *head, emoc_error *err)
{
    if (!path || !head) return EMOC_E_ARG;
    uint8_t *buf;
    size_t size;
    emoc_status st = emw_read_file(path, &buf, &size, err);
    if (st != EMOC_OK) return st;
    st = emoc_mtl_head_load_memory(buf, size, head, err);
    free(buf);
    if (st != EMOC_OK && err) {
        char tmp[sizeof err->msg];
        memcpy(tmp, err->msg, sizeof tmp);
        snprintf(err->msg, sizeof err->msg, "%.200s: %.300s", path, tmp);
    }
    return st;
}

void emoc_mtl_head_release(emoc_mtl_head *head)
{
    if (!head) return;
    free(head->owned);
    memset(head, 0, sizeof *head);
}
