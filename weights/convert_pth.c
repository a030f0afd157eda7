/*
 * convert_pth.c — `emoc convert CHECKPOINT.pth`: PyTorch state_dicts (DDAMFN, MobileFaceNet) to
 * EMW, plus the folding helpers the per-architecture converters use.
 *
 * The checkpoint is read by emoc_pth_read (weights/pth.h, nothing executed); the architecture is
 * recognised from its keys; every BatchNorm is folded into the conv/linear before it (in double
 * precision); PReLU slopes, conv biases and the final fc are copied. Every tensor of the
 * state_dict must be consumed, be a BatchNorm counter (num_batches_tracked) or lie under a
 * declared dead-parameter prefix — anything else is an error naming it (no silent extras).
 */
#include "engine/core/error.h"
#include "weights/convert.h"
#include "weights/pth.h"
#include "weights/sha256.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BN_EPS 1e-5

static void cfail(emoc__pthc *c, emoc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cfail(emoc__pthc *c, emoc_status st, const char *fmt, ...)
{
    if (c->st) return;
    c->st = st;
    va_list ap;
    va_start(ap, fmt);
    emoc__vfail(c->err, st, fmt, ap);
    va_end(ap);
}

void emoc__pthc_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err(out, cap, fmt, ap);
    va_end(ap);
}

static void join(char *out, size_t cap, const char *a, const char *b, const char *d)
{
    snprintf(out, cap, "%s%s%s", a, b, d ? d : "");
}

static int find_index(const emoc__pthc *c, const char *rel)
{
    char key[320];
    join(key, sizeof key, c->src_prefix, rel, NULL);
    for (size_t i = 0; i < c->ck->n_tensors; i++)
        if (!strcmp(c->ck->tensors[i].name, key)) return (int)i;
    return -1;
}

int emoc__pthc_has(const emoc__pthc *c, const char *rel) { return find_index(c, rel) >= 0; }

const emoc_pth_tensor *emoc__pthc_get(emoc__pthc *c, const char *rel, int rank,
                                      const int64_t *dims)
{
    if (c->st) return NULL;
    int i = find_index(c, rel);
    if (i < 0) {
        cfail(c, EMOC_E_SHAPE, "checkpoint: tensor '%s%s' is missing", c->src_prefix, rel);
        return NULL;
    }
    const emoc_pth_tensor *t = &c->ck->tensors[i];
    int ok = t->rank == rank;
    for (int d = 0; ok && d < rank; d++) ok = dims[d] < 0 || t->dims[d] == dims[d];
    if (!ok) {
        char have[96] = "", want[96] = "";
        size_t n = 0, m = 0;
        for (int d = 0; d < t->rank && n < sizeof have; d++)
            n += (size_t)snprintf(have + n, sizeof have - n, d ? "x%lld" : "%lld",
                                  (long long)t->dims[d]);
        for (int d = 0; d < rank && m < sizeof want; d++) {
            if (dims[d] < 0) m += (size_t)snprintf(want + m, sizeof want - m, d ? "x?" : "?");
            else m += (size_t)snprintf(want + m, sizeof want - m, d ? "x%lld" : "%lld",
                                       (long long)dims[d]);
        }
        cfail(c, EMOC_E_SHAPE, "checkpoint: tensor '%s' has shape [%s], expected [%s]", t->name,
              have, want);
        return NULL;
    }
    c->used[i] = 1;
    return t;
}

static void put(emoc__pthc *c, const char *name, int rank, const int64_t *dims, const float *data)
{
    if (c->st) return;
    char full[320];
    join(full, sizeof full, c->dst_prefix, name, NULL);
    emoc_status st = emoc__convert_add_tensor(c->w, c->opts, full, rank, dims, data, c->err);
    if (st) c->st = st;
}

/* Copies with whatever shape the checkpoint has (the net builder checks shapes). */
void emoc__pthc_copy(emoc__pthc *c, const char *rel)
{
    if (c->st) return;
    int i = find_index(c, rel);
    if (i < 0) {
        cfail(c, EMOC_E_SHAPE, "checkpoint: tensor '%s%s' is missing", c->src_prefix, rel);
        return;
    }
    c->used[i] = 1;
    const emoc_pth_tensor *t = &c->ck->tensors[i];
    put(c, rel, t->rank, t->dims, t->data);
}

/* BN scale s = γ/√(var+ε) and shift = β − mean·s, in double. */
static int bn_params(emoc__pthc *c, const char *bn, int64_t n, double **scale, double **shift)
{
    char k[320];
    int64_t d[1] = {n};
    const emoc_pth_tensor *g, *b, *m, *v;
    join(k, sizeof k, bn, ".weight", NULL);
    g = emoc__pthc_get(c, k, 1, d);
    join(k, sizeof k, bn, ".bias", NULL);
    b = emoc__pthc_get(c, k, 1, d);
    join(k, sizeof k, bn, ".running_mean", NULL);
    m = emoc__pthc_get(c, k, 1, d);
    join(k, sizeof k, bn, ".running_var", NULL);
    v = emoc__pthc_get(c, k, 1, d);
    if (c->st) return -1;
    *scale = malloc((size_t)n * sizeof(double));
    *shift = malloc((size_t)n * sizeof(double));
    if (!*scale || !*shift) {
        free(*scale);
        free(*shift);
        cfail(c, EMOC_E_NOMEM, "convert: out of memory folding '%s'", bn);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        if (!(v->data[i] >= 0.0f)) {
            free(*scale);
            free(*shift);
            cfail(c, EMOC_E_FORMAT, "checkpoint: %s.running_var[%lld] = %g is negative or NaN",
                  bn, (long long)i, (double)v->data[i]);
            return -1;
        }
        (*scale)[i] = (double)g->data[i] / sqrt((double)v->data[i] + BN_EPS);
        (*shift)[i] = (double)b->data[i] - (double)m->data[i] * (*scale)[i];
    }
    return 0;
}

static void fold(emoc__pthc *c, const char *mod, const emoc_pth_tensor *w, const float *bias,
                 const char *bn, int out_rank, const int64_t *out_dims)
{
    int64_t n = w->dims[0];
    double *scale, *shift;
    if (bn_params(c, bn, n, &scale, &shift)) return;
    size_t per = n ? (size_t)(w->count / (uint64_t)n) : 0;
    float *nw = malloc((size_t)w->count * sizeof(float) + 1);
    float *nb = malloc((size_t)n * sizeof(float) + 1);
    if (!nw || !nb) {
        cfail(c, EMOC_E_NOMEM, "convert: out of memory folding '%s'", bn);
    } else {
        for (int64_t o = 0; o < n; o++) {
            for (size_t j = 0; j < per; j++)
                nw[(size_t)o * per + j] = (float)((double)w->data[(size_t)o * per + j] * scale[o]);
            nb[o] = (float)((bias ? (double)bias[o] : 0.0) * scale[o] + shift[o]);
        }
        char k[320];
        join(k, sizeof k, mod, ".weight", NULL);
        put(c, k, out_rank, out_dims, nw);
        join(k, sizeof k, mod, ".bias", NULL);
        put(c, k, 1, &n, nb);
    }
    free(nw);
    free(nb);
    free(scale);
    free(shift);
}

void emoc__pthc_conv_bn(emoc__pthc *c, const char *conv, const char *bn)
{
    char k[320];
    join(k, sizeof k, conv, ".weight", NULL);
    const emoc_pth_tensor *w = emoc__pthc_get(c, k, 4, (int64_t[4]){-1, -1, -1, -1});
    if (!w) return;
    const float *bias = NULL;
    join(k, sizeof k, conv, ".bias", NULL);
    if (emoc__pthc_has(c, k)) {
        const emoc_pth_tensor *b = emoc__pthc_get(c, k, 1, (int64_t[1]){w->dims[0]});
        if (!b) return;
        bias = b->data;
    }
    fold(c, conv, w, bias, bn, 4, w->dims);
}

void emoc__pthc_linear_bn(emoc__pthc *c, const char *lin, const char *bn)
{
    char k[320];
    join(k, sizeof k, lin, ".weight", NULL);
    const emoc_pth_tensor *w = emoc__pthc_get(c, k, 2, (int64_t[2]){-1, -1});
    if (w) fold(c, lin, w, NULL, bn, 2, w->dims);
}

void emoc__pthc_dead(emoc__pthc *c, const char *p)
{
    if (c->st) return;
    char full[320];
    join(full, sizeof full, c->src_prefix, p, NULL);
    size_t len = strlen(full);
    int found = 0;
    size_t plen = strlen(c->src_prefix);
    for (size_t i = 0; i < c->ck->n_tensors; i++) {
        const emoc_pth_tensor *t = &c->ck->tensors[i];
        if (strncmp(t->name, full, len)) continue;
        c->used[i] = 1;
        found = 1;
        /* Kept (unfolded) so the EMW documents them and `emoc info` can count them; the
         * net declares the prefix dead and never reads them. BN counters are dropped. */
        if (t->dtype == EMOC_PTH_F32 || t->dtype == EMOC_PTH_F16 || t->dtype == EMOC_PTH_F64 ||
            t->dtype == EMOC_PTH_BF16)
            put(c, t->name + plen, t->rank, t->dims, t->data);
    }
    if (!found) return; /* DDAMNet.bn may be absent (replaced by Identity before saving) */
    if (c->n_dead == (int)(sizeof c->dead / sizeof c->dead[0])) {
        cfail(c, EMOC_E_INTERNAL, "convert: too many dead-parameter prefixes");
        return;
    }
    snprintf(c->dead_buf[c->n_dead], sizeof c->dead_buf[0], "%s%s", c->dst_prefix, p);
    c->dead[c->n_dead] = c->dead_buf[c->n_dead];
    c->n_dead++;
}

static const char *const LABELS8[8] = {"Anger", "Contempt", "Disgust", "Fear", "Happiness",
                                       "Neutral", "Sadness", "Surprise"};

void emoc__pthc_meta(emoc__pthc *c, const char *arch, const char *variant, const char *name,
                     const double mean[3], const double stdv[3], int n_scores, int n_classes)
{
    if (c->st) return;
    emw_writer *w = c->w;
    emoc_status st = emw_writer_meta_str(w, "emoc.arch", arch);
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", variant);
    if (!st) st = emw_writer_meta_str(w, "emoc.name", name);
    if (!st) st = emw_writer_meta_i64(w, "input.size", 112);
    if (!st) st = emw_writer_meta_i64(w, "input.channels", 3);
    if (!st) st = emw_writer_meta_str(w, "input.color", "RGB");
    if (!st) st = emw_writer_meta_f64_array(w, "input.mean", mean, 3);
    if (!st) st = emw_writer_meta_f64_array(w, "input.std", stdv, 3);
    if (!st) st = emw_writer_meta_str(w, "input.resize", "cv2_linear");
    if (!st) st = emw_writer_meta_i64(w, "output.n_scores", n_scores);
    if (!st) st = emw_writer_meta_i64(w, "output.n_classes", n_classes);
    if (!st) st = emw_writer_meta_str_array(w, "output.labels", LABELS8, (size_t)n_classes);
    if (!st) st = emw_writer_meta_i64(w, "output.valence_index", n_classes == 8 ? 8 : -1);
    if (!st) st = emw_writer_meta_i64(w, "output.arousal_index", n_classes == 8 ? 9 : -1);
    if (!st) st = emw_writer_meta_i64(w, "output.embedding_size", 512);
    if (st) cfail(c, st, "convert: metadata: %s", emw_writer_error(w));
}

static emoc_status finish(emoc__pthc *c, const uint8_t *buf, size_t size)
{
    for (size_t i = 0; !c->st && i < c->ck->n_tensors; i++) {
        const char *n = c->ck->tensors[i].name;
        size_t len = strlen(n);
        static const char nbt[] = "num_batches_tracked";
        if (c->used[i] || (len >= sizeof nbt - 1 && !strcmp(n + len - (sizeof nbt - 1), nbt)))
            continue;
        cfail(c, EMOC_E_SHAPE, "checkpoint: tensor '%s' is not part of the recognised "
              "architecture (extra tensor)", n);
    }
    if (c->st) return c->st;
    emoc_status st = EMOC_OK;
    if (c->n_dead) st = emw_writer_meta_str_array(c->w, "ignored.prefixes", c->dead, (size_t)c->n_dead);
    char hex[65];
    emoc_sha256_hex(buf, size, hex);
    const char *file = c->opts && c->opts->source_name ? c->opts->source_name : "";
    const char *slash = strrchr(file, '/');
    if (!st) st = emw_writer_meta_str(c->w, "source.file", slash ? slash + 1 : file);
    if (!st) st = emw_writer_meta_str(c->w, "source.sha256", hex);
    if (!st) st = emw_writer_meta_str(c->w, "converter.version", EMOC_CONVERTER_VERSION);
    if (st) cfail(c, st, "convert: metadata: %s", emw_writer_error(c->w));
    return c->st;
}

emoc_status emoc_convert_pth(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                             emw_writer *w, emoc_error *err)
{
    return emoc_convert_pth_arch(buf, size, opts, NULL, w, err);
}

emoc_status emoc_convert_pth_arch(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                                  const char *arch, emw_writer *w, emoc_error *err)
{
    if (!buf || !w) return EMOC_E_ARG;
    emoc_pth_checkpoint ck;
    emoc_status st = emoc_pth_read(buf, size, &ck, err);
    if (st) return st;
    emoc__pthc *c = calloc(1, sizeof *c);
    unsigned char *used = calloc(ck.n_tensors + 1, 1);
    if (!c || !used) {
        free(c);
        free(used);
        emoc_pth_release(&ck);
        if (err) snprintf(err->msg, sizeof err->msg, "convert: out of memory");
        return EMOC_E_NOMEM;
    }
    *c = (emoc__pthc){.ck = &ck, .src_prefix = "", .dst_prefix = "", .used = used,
                      .opts = opts, .w = w, .err = err};
    /* DataParallel checkpoints prefix every key with "module." */
    if (ck.n_tensors && !strncmp(ck.tensors[0].name, "module.", 7)) c->src_prefix = "module.";
    if (arch && strcmp(arch, "retinaface_1mb")) {
        st = EMOC_E_ARG;
        if (err)
            snprintf(err->msg, sizeof err->msg, "--arch '%s' is not known (the only explicit "
                     "choice is retinaface_1mb)", arch);
    } else if (arch) {
        st = EMOC_E_UNSUPPORTED;
        if (!emoc__pth_is_retinaface(&ck, c->src_prefix)) {
            if (err)
                snprintf(err->msg, sizeof err->msg, "--arch retinaface_1mb: the checkpoint has "
                         "no RetinaFace tensors (body.stage1.0.0.weight, LandmarkHead.*)");
        } else {
            st = emoc__convert_pth_retinaface(c, 1);
        }
    } else if (emoc__pth_is_retinaface(&ck, c->src_prefix)) {
        st = emoc__convert_pth_retinaface(c, 0);
    } else if (emoc__pthc_has(c, "cat_head0.CoordAtt.conv1.weight")) {
        st = emoc__convert_pth_ddamfn(c);
    } else if (emoc__pthc_has(c, "features.conv_sep.layers.0.weight") ||
               emoc__pthc_has(c, "conv_sep.layers.0.weight")) {
        st = emoc__convert_pth_mbf(c);
    } else if (emoc_pth_mtcnn_kind(&ck) >= 0) {
        st = EMOC_E_ARG;
        if (err)
            snprintf(err->msg, sizeof err->msg, "checkpoint is one of MTCNN's three networks "
                     "(PNet, RNet, ONet): convert all three together: emoc convert pnet.pt "
                     "rnet.pt onet.pt -o mtcnn.emw");
    } else {
        st = EMOC_E_UNSUPPORTED;
        if (err)
            snprintf(err->msg, sizeof err->msg, "checkpoint: state_dict of %zu tensors (first "
                     "'%s') is neither DDAMFN (cat_head0.CoordAtt.*), MobileFaceNet "
                     "(features.conv_sep.* / conv_sep.*) nor RetinaFace (body.stage1.*, "
                     "LandmarkHead.*)", ck.n_tensors,
                     ck.n_tensors ? ck.tensors[0].name : "");
    }
    if (st == EMOC_OK) st = finish(c, buf, size);
    free(used);
    free(c);
    emoc_pth_release(&ck);
    return st;
}
