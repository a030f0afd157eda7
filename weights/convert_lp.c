/*
 * convert_lp.c — `emoc convert --dtype bf16|int8`: stores the weights of every pointwise
 * convolution and linear layer of a converted network in reduced precision (EMW 1.2,
 * weights/FORMAT.md §4.2; docs/precision.md).
 *
 * Which tensors those are is asked of the plan (as convert_layout.c does): the fp32 file is
 * built in memory and every op bound to the fp32 GEMM names its weight. Rounding uses the very
 * helpers of the kernels (engine/kernels/gemm_lp/lp_scalar.h), so a file's int8 values equal
 * what the EMOC_GEMM_DTYPE override computes from the same weights.
 *
 * int8 activation scales, two rules (docs/precision.md §2):
 * - row-max (no calibration inputs; the default of `emoc convert --dtype int8`): the stored
 *   activation scale is 0 (EMW 1.3) and the kernel takes one scale per pixel row at run time,
 *   max_k|x·s|/127 of that row. Why: the drift of one scale per tensor comes from the spread
 *   between pixels and channels (§3.1), not from outliers, and a static scale saturates on
 *   inputs outside its calibration set (§5); a per-row scale has neither problem and needs no
 *   calibration set.
 * - calibrated (calibration inputs given): each input runs through emoc's own fp32 plan, and
 *   after every GEMM op the trace hook reads that op's input (times its SE gate) from the
 *   arena. Rule: sx = max over the whole set of |x·s|, divided by 127. Why max and not a
 *   percentile: the per-layer trace (§3.1) finds max/p99.9 of |x| at 1.1–2.9 on every GEMM
 *   input, so clipping would gain little resolution and would saturate exactly the largest
 *   activations, which the cancelling layers downstream amplify; a maximum is also
 *   independent of the order the inputs are seen in.
 */
#include "engine/base/error.h"
#include "engine/base/sha256.h"
#include "engine/core/core.h"
#include "engine/core/ops.h"
#include "engine/kernels/gemm_lp/lp_scalar.h"
#include "weights/convert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct calib_ctx {
    const emoc_model *m;
    const uint8_t *arena;
    float *amax;        /* per EMW tensor: max |x·s| of the GEMM input it multiplies */
} calib_ctx;

static const float *arena_buf(const calib_ctx *c, int buf)
{
    return (const float *)(c->arena + c->m->plan.bufs[buf].offset);
}

static void calib_trace(void *user, const emoc_trace_event *ev)
{
    calib_ctx *c = user;
    const emoc_op *op = &c->m->plan.ops[ev->op_index];
    if (op->exec != emoc__exec_gemm || op->n_w < 1) return;
    const emoc__gemm_params *p = (const emoc__gemm_params *)op->params;
    const emoc_buffer *ib = &c->m->plan.bufs[op->in[0]];
    const float *x = arena_buf(c, op->in[0]);
    const float *s = p->scale_buf >= 0 ? arena_buf(c, p->scale_buf) : NULL;
    size_t P = (size_t)ib->h * (size_t)ib->w, K = (size_t)ib->c;
    float m = c->amax[op->w[0]];
    for (size_t r = 0; r < P; r++)
        for (size_t k = 0; k < K; k++) {
            float v = fabsf(s ? x[r * K + k] * s[k] : x[r * K + k]);
            m = v > m ? v : m;
        }
    c->amax[op->w[0]] = m;
}

/* Runs every calibration input through the fp32 plan of m; amax per tensor. */
static emoc_status calibrate(const emoc_model *m, const float *calib, size_t n_calib,
                             size_t n_values, float *amax, emoc_error *err)
{
    size_t size = emoc_model_arena_size(m, 1);
    uint8_t *arena = aligned_alloc(64, (size + 63) & ~(size_t)63);
    if (!arena) return emoc__fail(err, EMOC_E_NOMEM, "calibration: out of memory for the arena");
    emoc_session *s = NULL;
    emoc_status st = emoc_session_create(m, 1, arena, size, &s, err);
    calib_ctx c = {m, arena, amax};
    if (!st) emoc_session_set_trace(s, calib_trace, &c);
    for (size_t i = 0; !st && i < n_calib; i++) {
        emoc_output out;
        st = emoc_session_run(s, calib + i * n_values, n_values, &out);
        if (st)
            emoc__fail(err, st, "calibration input %zu: %s", i + 1, emoc_session_last_error(s));
    }
    emoc_session_free(s);
    free(arena);
    return st;
}

static emoc_status store_bf16(emw_writer *w, const char *name, const float *v, size_t n,
                              emoc_error *err)
{
    uint16_t *bits = malloc(n * sizeof *bits);
    if (!bits) return emoc__fail(err, EMOC_E_NOMEM, "'%s': out of memory", name);
    for (size_t i = 0; i < n; i++) bits[i] = emoc__bf16_from_f32(v[i]);
    emoc_status st = emw_writer_set_bf16(w, name, bits);
    free(bits);
    return st ? emoc__fail(err, st, "%s", emw_writer_error(w)) : EMOC_OK;
}

/* Per output channel: sw = max_k |w| / 127 (1 for an all-zero row), q = i8_quant(w / sw), the
 * rule of the builder's override (engine/core/builder.c). */
static emoc_status store_i8(emw_writer *w, const emw_tensor *t, const float *v, float sx,
                            emoc_error *err)
{
    size_t N = (size_t)t->dims[0], K = (size_t)(t->count / (uint64_t)N);
    int8_t *q = malloc((size_t)t->count);
    float *sw = malloc(N * sizeof *sw);
    if (!q || !sw) {
        free(q);
        free(sw);
        return emoc__fail(err, EMOC_E_NOMEM, "'%s': out of memory", t->name);
    }
    for (size_t n = 0; n < N; n++) {
        const float *row = v + n * K;
        float m = 0.0f;
        for (size_t k = 0; k < K; k++) m = fabsf(row[k]) > m ? fabsf(row[k]) : m;
        sw[n] = m > 0.0f ? m / 127.0f : 1.0f;
        for (size_t k = 0; k < K; k++) q[n * K + k] = emoc__i8_quant(row[k] / sw[n]);
    }
    emoc_status st = emw_writer_set_i8(w, t->name, q, sw, sx);
    free(q);
    free(sw);
    return st ? emoc__fail(err, st, "%s", emw_writer_error(w)) : EMOC_OK;
}

emoc_status emoc__convert_reduced(emw_writer *w, emw_dtype dtype, const float *calib,
                                  size_t n_calib, emoc_error *err)
{
    if (dtype != EMW_BF16 && dtype != EMW_I8)
        return emoc__fail(err, EMOC_E_ARG, "reduced precision: dtype %s", emw_dtype_name(dtype));
    uint8_t *buf = NULL;
    emoc_model *m = NULL;
    emoc_error lerr = {{0}};
    emoc_status load_st;
    emoc_status st = emoc__convert_build(w, &buf, &m, &load_st, &lerr, err);
    if (st != EMOC_OK) return st;
    if (!m)
        return emoc__fail(err, load_st, "--dtype %s needs a network emoc runs: %s",
                          emw_dtype_name(dtype), lerr.msg);
    size_t nt = m->emw.n_tensors, n_values = 3 * (size_t)m->info.input_size *
                                             (size_t)m->info.input_size;
    float *amax = calloc(nt, sizeof *amax);
    unsigned char *gemm = calloc(nt, 1);
    if (!amax || !gemm) st = emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    for (int i = 0; !st && i < m->plan.n_ops; i++) {
        const emoc_op *op = &m->plan.ops[i];
        if (op->exec == emoc__exec_gemm && op->n_w >= 1) gemm[op->w[0]] = 1;
        else if (op->exec == emoc__exec_gemm_lp)
            st = emoc__fail(err, EMOC_E_ARG, "--dtype %s: the fp32 plan is needed (unset "
                            "EMOC_GEMM_DTYPE, or convert from an f32 source)", emw_dtype_name(dtype));
    }
    if (!st && dtype == EMW_I8 && n_calib) st = calibrate(m, calib, n_calib, n_values, amax, err);
    int n_reduced = 0;
    for (size_t i = 0; !st && i < nt; i++) {
        /* only tensors the plan reads as GEMM weights and nothing else */
        if (!gemm[i] || m->uses[i].plain || m->uses[i].dw) continue;
        const emw_tensor *t = &m->emw.tensors[i];
        float *v = malloc((size_t)t->count * sizeof *v);
        if (!v) {
            st = emoc__fail(err, EMOC_E_NOMEM, "'%s': out of memory", t->name);
            break;
        }
        emw_tensor_to_f32(t, v);
        if (dtype == EMW_BF16) {
            st = store_bf16(w, t->name, v, (size_t)t->count, err);
        } else {
            /* 0: one scale per pixel row at run time (row-max, EMW 1.3) */
            float sx = n_calib == 0 ? 0.0f : amax[i] > 0.0f ? amax[i] / 127.0f : 1.0f;
            st = store_i8(w, t, v, sx, err);
        }
        free(v);
        n_reduced++;
    }
    if (!st && (st = emw_writer_meta_str(w, "quant.dtype", emw_dtype_name(dtype))))
        emoc__fail(err, st, "%s", emw_writer_error(w));
    if (!st && dtype == EMW_I8 &&
        (st = emw_writer_meta_str(w, "quant.int8.act", n_calib ? "calibrated" : "row-max")))
        emoc__fail(err, st, "%s", emw_writer_error(w));
    if (!st && dtype == EMW_I8 && n_calib) {
        /* the calibration set as emoc saw it: its preprocessed inputs, f32, in order */
        char hex[65];
        emoc__sha256_hex(calib, n_calib * n_values * sizeof(float), hex);
        if ((st = emw_writer_meta_str(w, "quant.calib.sha256", hex)) ||
            (st = emw_writer_meta_i64(w, "quant.calib.count", (int64_t)n_calib)) ||
            (st = emw_writer_meta_str(w, "quant.calib.rule", "max")))
            emoc__fail(err, st, "%s", emw_writer_error(w));
    }
    if (!st && n_reduced == 0)
        st = emoc__fail(err, EMOC_E_UNSUPPORTED, "--dtype %s: the network has no GEMM layer",
                        emw_dtype_name(dtype));
    free(amax);
    free(gemm);
    emoc_model_free(m);
    free(buf);
    return st;
}
