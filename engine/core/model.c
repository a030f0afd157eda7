/*
 * model.c — the model handle: the load steps below and above a net's builder (validate the
 * EMW bytes with engine/emw/, read the metadata the engine needs, bind the kernel table; then
 * check the built plan against the metadata and place it), the model queries and the static
 * plan dump. nets/load.c drives the steps (it owns the file reading and the net registry).
 */
#include "engine/core/core.h"
#include "engine/core/ops.h"

#include "engine/base/sha256.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- metadata -------------------------------------------------------------------------- */

static const emw_meta *need(emoc_model *m, const char *key, emw_type type, size_t count)
{
    const emw_meta *e = emw_find_meta(&m->emw, key);
    if (!e) {
        emoc__set_err(m->err, sizeof(m->err), "metadata key '%s' is missing", key);
        return NULL;
    }
    if (e->type != type || (count && e->count != count)) {
        emoc__set_err(m->err, sizeof(m->err),
                      "metadata key '%s': expected type %d with %zu values, file has type %d "
                      "with %zu",
                      key, (int)type, count, (int)e->type, e->count);
        return NULL;
    }
    return e;
}

static int need_int(emoc_model *m, const char *key, long long lo, long long hi, int *out)
{
    const emw_meta *e = need(m, key, EMW_T_I64, 1);
    if (!e) return -1;
    if (e->i64 < lo || e->i64 > hi) {
        emoc__set_err(m->err, sizeof(m->err), "metadata %s = %lld, expected %lld..%lld", key,
                      (long long)e->i64, lo, hi);
        return -1;
    }
    *out = (int)e->i64;
    return 0;
}

static emoc_status read_info(emoc_model *m)
{
    emoc_model_info *in = &m->info;
    const emw_meta *e;
    if (!(e = need(m, "emoc.arch", EMW_T_STR, 1))) return EMOC_E_FORMAT;
    in->arch = e->str;
    if (!(e = need(m, "emoc.variant", EMW_T_STR, 1))) return EMOC_E_FORMAT;
    in->variant = e->str;
    if (!strcmp(in->arch, "mtl_head")) {
        emoc__set_err(m->err, sizeof(m->err),
                      "this file is a post-processing head (emoc.arch = 'mtl_head'), not a "
                      "network: load it with the head API");
        return EMOC_E_UNSUPPORTED;
    }
    if (need_int(m, "input.size", 16, 4096, &in->input_size)) return EMOC_E_FORMAT;
    if (need_int(m, "input.channels", 3, 3, &in->input_channels)) return EMOC_E_FORMAT;
    if (!(e = need(m, "input.color", EMW_T_STR, 1))) return EMOC_E_FORMAT;
    if (strcmp(e->str, "RGB") != 0) {
        emoc__set_err(m->err, sizeof(m->err), "metadata input.color = '%s', only RGB is supported",
                      e->str);
        return EMOC_E_UNSUPPORTED;
    }
    const emw_meta *mean = need(m, "input.mean", EMW_T_F64_ARRAY, 3);
    const emw_meta *std = need(m, "input.std", EMW_T_F64_ARRAY, 3);
    if (!mean || !std) return EMOC_E_FORMAT;
    for (int i = 0; i < 3; i++) {
        if (!(std->f64s[i] > 1e-6 && std->f64s[i] < 1e6) || !(mean->f64s[i] > -1e6 && mean->f64s[i] < 1e6)) {
            emoc__set_err(m->err, sizeof(m->err), "metadata input.mean/std[%d] = %g/%g out of range",
                          i, mean->f64s[i], std->f64s[i]);
            return EMOC_E_FORMAT;
        }
        in->mean[i] = (float)mean->f64s[i];
        in->std[i] = (float)std->f64s[i];
    }
    if (!(e = need(m, "input.resize", EMW_T_STR, 1))) return EMOC_E_FORMAT;
    in->resize = e->str;
    if (need_int(m, "output.n_scores", 1, 4096, &in->n_scores)) return EMOC_E_FORMAT;
    /* 0 classes: a bare backbone (e.g. an insightface MobileFaceNet without its fc head) */
    int cap = in->n_scores < EMOC_MAX_CLASSES ? in->n_scores : EMOC_MAX_CLASSES;
    if (need_int(m, "output.n_classes", 0, cap, &in->n_classes)) return EMOC_E_FORMAT;
    const emw_meta *labels = need(m, "output.labels", EMW_T_STR_ARRAY, (size_t)in->n_classes);
    if (!labels) return EMOC_E_FORMAT;
    /* distinct labels (they name output columns) are checked by emw_check_net_meta */
    for (int i = 0; i < in->n_classes; i++) m->labels[i] = labels->strs[i];
    if (need_int(m, "output.valence_index", -1, in->n_scores - 1, &in->valence_index) ||
        need_int(m, "output.arousal_index", -1, in->n_scores - 1, &in->arousal_index) ||
        need_int(m, "output.embedding_size", 1, 1 << 20, &in->embedding_size))
        return EMOC_E_FORMAT;
    if ((in->valence_index < 0) != (in->arousal_index < 0)) {
        emoc__set_err(m->err, sizeof(m->err),
                      "metadata: valence_index %d and arousal_index %d must both be set or both -1",
                      in->valence_index, in->arousal_index);
        return EMOC_E_FORMAT;
    }
    in->n_tensors = (int)m->emw.n_tensors;
    in->n_params = 0;
    for (size_t i = 0; i < m->emw.n_tensors; i++) in->n_params += m->emw.tensors[i].count;
    return EMOC_OK;
}

static emoc_status format_meta_text(emoc_model *m)
{
    size_t n = m->emw.n_meta;
    m->meta_text = emoc__alloc(&m->alloc, sizeof(char *) * (n ? n : 1), 16);
    if (!m->meta_text) return EMOC_E_NOMEM;
    memset(m->meta_text, 0, sizeof(char *) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        const emw_meta *e = &m->emw.meta[i];
        size_t cap = 64;
        for (size_t k = 0; k < e->count; k++)
            cap += (e->type == EMW_T_STR || e->type == EMW_T_STR_ARRAY) ? strlen(e->type == EMW_T_STR ? e->str : e->strs[k]) + 2 : 26;
        char *s = emoc__alloc(&m->alloc, cap, 16);
        if (!s) return EMOC_E_NOMEM;
        size_t len = 0;
        s[0] = 0;
        for (size_t k = 0; k < e->count; k++) {
            const char *sep = k ? "," : "";
            switch (e->type) {
            case EMW_T_I64: len += (size_t)snprintf(s + len, cap - len, "%lld", (long long)e->i64); break;
            case EMW_T_F64: len += (size_t)snprintf(s + len, cap - len, "%.9g", e->f64); break;
            case EMW_T_STR: len += (size_t)snprintf(s + len, cap - len, "%s", e->str); break;
            case EMW_T_I64_ARRAY: len += (size_t)snprintf(s + len, cap - len, "%s%lld", sep, (long long)e->i64s[k]); break;
            case EMW_T_F64_ARRAY: len += (size_t)snprintf(s + len, cap - len, "%s%.9g", sep, e->f64s[k]); break;
            case EMW_T_STR_ARRAY: len += (size_t)snprintf(s + len, cap - len, "%s%s", sep, e->strs[k]); break;
            }
            if (len >= cap) len = cap - 1;
        }
        m->meta_text[i] = s;
    }
    return EMOC_OK;
}

/* ---- load steps (driven by nets/load.c) --------------------------------------------------- */

emoc_status emoc__model_parse(emoc_model *m, const emoc_options *opt, emoc_error *err)
{
    emoc_error perr;
    perr.msg[0] = 0;
    emoc_status st = emw_parse_alloc(m->file_buf, m->file_size, opt->verify_checksums, &m->alloc, &m->emw, &perr);
    if (st != EMOC_OK) {
        emoc__set_err(m->err, sizeof(m->err), "%s", perr.msg);
        return emoc__fail(err, st, "%s", perr.msg);
    }
    m->emw_parsed = 1;
    /* A face detector (weights/FORMAT.md: emoc.task = "face_detection") is not an emotion model */
    const emw_meta *task = emw_find_meta(&m->emw, "emoc.task");
    if (task && task->type == EMW_T_STR && !strcmp(task->str, "face_detection")) {
        const emw_meta *arch = emw_find_meta(&m->emw, "emoc.arch");
        emoc__set_err(m->err, sizeof(m->err),
                      "this file is a face detector (emoc.arch = '%s'), not an emotion model: "
                      "give it to --detect or `emoc detect -m`",
                      arch && arch->type == EMW_T_STR ? arch->str : "?");
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "%s", m->err);
    }
    /* Every documented network key (weights/FORMAT.md §5), types and cross-field ranges. */
    if ((st = emw_check_net_meta(&m->emw, &perr)) != EMOC_OK) {
        emoc__set_err(m->err, sizeof(m->err), "%s", perr.msg);
        return emoc__fail(err, st, "%s", perr.msg);
    }
    if ((st = read_info(m)) != EMOC_OK) return emoc__fail(err, st, "%s", m->err);
    if ((st = format_meta_text(m)) != EMOC_OK) return emoc__fail(err, st, "out of memory");
    emoc_isa isa;
    if ((st = emoc_isa_resolve(opt->isa, &isa)) != EMOC_OK)
        return emoc__fail(err, st,
                          "requested kernel set (option or EMOC_ISA=%s) is not supported by "
                          "this CPU/build; best available is '%s'",
                          getenv("EMOC_ISA") ? getenv("EMOC_ISA") : emoc_isa_name(opt->isa),
                          emoc_isa_name(isa));
    emoc__kernel_table_init(&m->kt, isa);
    m->info.isa = m->kt.isa;
    m->load_allocs = emoc__alloc(&m->alloc, sizeof(void *) * EMOC_MAX_LOAD_ALLOCS, 16);
    if (!m->load_allocs) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    return EMOC_OK;
}

emoc_status emoc__model_finish(emoc_model *m, emoc_error *err)
{
    const emoc_plan *p = &m->plan;
    const emoc_buffer *ib = &p->bufs[p->input_buf], *sb = &p->bufs[p->scores_buf];
    if (ib->h != m->info.input_size || ib->w != m->info.input_size || ib->c != 3 ||
        sb->h * sb->w != 1 || sb->c != m->info.n_scores ||
        (p->embedding_buf >= 0 && p->bufs[p->embedding_buf].c != m->info.embedding_size)) {
        return emoc__fail(err, EMOC_E_SHAPE,
                          "metadata (input %d, %d scores, embedding %d) disagrees with the network "
                          "built from the tensors (input %d, %d scores, embedding %d)",
                          m->info.input_size, m->info.n_scores, m->info.embedding_size, ib->h,
                          sb->c, p->embedding_buf >= 0 ? p->bufs[p->embedding_buf].c : -1);
    }
    emoc__plan_lp_silu(&m->plan);
    emoc__plan_fuse(&m->plan);
    emoc_status st = emoc__plan_place(&m->plan, &m->alloc, m->err, sizeof(m->err));
    if (st != EMOC_OK) return emoc__fail(err, st, "%s", m->err);
    return EMOC_OK;
}

/* ---- load-time allocations in the file buffer's spare bytes -------------------------------
 * A model's file buffer is asked for emoc__alloc_usable() bytes: with the default allocator the
 * bytes after the file up to the end of its last huge page are resident anyway
 * (engine/base/alloc.c). While the model loads, its allocations (the EMW tables, the packed
 * stems, the plan) are carved from them first: each fresh 4 KiB page they would otherwise take
 * costs a ~11 us page fault on a VM (docs/startup.md). Closed once the model is loaded: sessions
 * may be created concurrently on a loaded model and never carve. A carved block's free does
 * nothing; the space goes with the file buffer, which is freed last but one. */
static void *spare_alloc(void *user, size_t size, size_t align)
{
    emoc_spare *s = user;
    if (align < 16) align = 16;
    if (s->open && !(align & (align - 1))) {
        uintptr_t p = (s->base + s->used + align - 1) & ~(uintptr_t)(align - 1);
        size_t off = (size_t)(p - s->base);
        if (off <= s->cap && size <= s->cap - off) {
            s->used = off + size;
            return (void *)p;
        }
    }
    return s->inner.alloc(s->inner.user, size, align);
}

static void spare_free(void *user, void *ptr)
{
    emoc_spare *s = user;
    uintptr_t p = (uintptr_t)ptr;
    if (p >= s->base && p - s->base < s->cap) return;
    s->inner.free(s->inner.user, ptr);
}

void emoc__model_spare_open(emoc_model *m, size_t capacity)
{
    size_t start = (m->file_size + 63) & ~(size_t)63;
    if (!m->owns_file_buf || m->spare.base || capacity < start || capacity - start < 4096) return;
    m->spare.inner = m->alloc;
    m->spare.base = (uintptr_t)m->file_buf + start;
    m->spare.cap = capacity - start;
    m->spare.used = 0;
    m->spare.open = 1;
    m->alloc.alloc = spare_alloc;
    m->alloc.free = spare_free;
    m->alloc.user = &m->spare;
}

void emoc__model_spare_close(emoc_model *m) { m->spare.open = 0; }

emoc_model *emoc__model_new(const emoc_options *opt)
{
    const emoc_allocator *a = opt && opt->allocator ? opt->allocator : &emoc__default_allocator;
    emoc_model *m = emoc__alloc(a, sizeof(*m), 64);
    if (!m) return NULL;
    memset(m, 0, sizeof(*m));
    m->alloc = *a;
    m->flush_denormals = opt && opt->flush_denormals ? 1 : 0;
    m->plan.input_buf = m->plan.scores_buf = m->plan.embedding_buf = -1;
    return m;
}

emoc_status emoc_model_sha256(const emoc_model *m, char hex[65])
{
    if (!m || !hex) return EMOC_E_ARG;
    emoc__sha256_hex(m->file_buf, m->file_size, hex);
    return EMOC_OK;
}

void emoc_model_free(emoc_model *m)
{
    if (!m) return;
    emoc_allocator a = m->alloc;
    for (int i = 0; i < m->n_load_allocs; i++) emoc__free(&a, m->load_allocs[i]);
    emoc__free(&a, m->load_allocs);
    for (int i = 0; i < m->n_ignored; i++) emoc__free(&a, m->ignored[i]);
    emoc__free(&a, m->ignored);
    if (m->meta_text)
        for (size_t i = 0; i < m->emw.n_meta; i++) emoc__free(&a, m->meta_text[i]);
    emoc__free(&a, m->meta_text);
    emoc__plan_release(&m->plan, &a);
    emoc__free(&a, m->uses);
    if (m->emw_parsed) emw_file_release(&m->emw);
    if (m->owns_file_buf) emoc__free(&a, m->file_buf);
    emoc__free(&a, m);
}

/* ---- queries --------------------------------------------------------------------------- */

const char *emoc_model_last_error(const emoc_model *m) { return m ? m->err : "model is NULL"; }

emoc_status emoc_model_get_info(const emoc_model *m, emoc_model_info *out)
{
    if (!m || !out) return EMOC_E_ARG;
    *out = m->info;
    return EMOC_OK;
}

const char *emoc_model_class_label(const emoc_model *m, int i)
{
    if (!m || i < 0 || i >= m->info.n_classes) return NULL;
    return m->labels[i];
}

const char *emoc_model_meta(const emoc_model *m, const char *key)
{
    if (!m || !key) return NULL;
    for (size_t i = 0; i < m->emw.n_meta; i++)
        if (!strcmp(m->emw.meta[i].key, key)) return m->meta_text[i];
    return NULL;
}

int emoc_model_op_count(const emoc_model *m) { return m ? m->plan.n_ops : 0; }

int emoc_model_ignored_count(const emoc_model *m) { return m ? m->n_ignored : 0; }
const char *emoc_model_ignored_prefix(const emoc_model *m, int i)
{
    return m && i >= 0 && i < m->n_ignored ? m->ignored[i] : NULL;
}

size_t emoc_model_arena_size(const emoc_model *m, int threads)
{
    if (!m) return 0;
    if (threads < 1) threads = 1;
    return m->plan.arena_bytes + (size_t)threads * ((m->plan.scratch_floats * sizeof(float) + 63) & ~(size_t)63);
}

void emoc__fill_event(const emoc_model *m, int i, emoc_trace_event *ev)
{
    const emoc_plan *p = &m->plan;
    const emoc_op *op = &p->ops[i];
    memset(ev, 0, sizeof(*ev));
    ev->op_index = i;
    ev->op = op->type;
    ev->node = op->node;
    ev->kernel = op->kernel;
    ev->n_inputs = op->n_in;
    for (int k = 0; k < op->n_in && k < 3; k++) {
        const emoc_buffer *b = &p->bufs[op->in[k]];
        ev->in_shape[k][0] = 1;
        ev->in_shape[k][1] = b->h;
        ev->in_shape[k][2] = b->w;
        ev->in_shape[k][3] = b->c;
        ev->in_offset[k] = b->offset;
    }
    const emoc_buffer *ob = &p->bufs[op->out];
    ev->out_shape[0] = 1;
    ev->out_shape[1] = ob->h;
    ev->out_shape[2] = ob->w;
    ev->out_shape[3] = ob->c;
    ev->out_offset = ob->offset;
    ev->n_weights = op->n_w;
    for (int k = 0; k < op->n_w; k++) {
        ev->weight_name[k] = m->emw.tensors[op->w[k]].name;
        ev->weight_crc[k] = m->emw.tensors[op->w[k]].crc32;
    }
    ev->flops = op->flops;
    ev->status = EMOC_OK;
}

emoc_status emoc_model_dump_plan(const emoc_model *m, emoc_trace_fn fn, void *user)
{
    if (!m || !fn) return EMOC_E_ARG;
    for (int i = 0; i < m->plan.n_ops; i++) {
        emoc_trace_event ev;
        emoc__fill_event(m, i, &ev);
        fn(user, &ev);
    }
    return EMOC_OK;
}
