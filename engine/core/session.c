/*
 * session.c — sessions: arena, thread pool, and the forward pass.
 *
 * emoc_session_run copies the NCHW input into the NHWC input buffer (rejecting NaN/Inf), runs
 * the ops in order, then derives probabilities and VA from the scores. It allocates nothing;
 * with a trace callback set it also times every op (one branch per op when unset).
 */
#include "engine/core/core.h"
#include "engine/core/ops.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 256 ? 256 : (int)n);
}

emoc_status emoc_session_create(const emoc_model *m, int threads, void *arena, size_t arena_size,
                                emoc_session **out, emoc_error *err)
{
    if (!out || !m) {
        if (err) emoc__set_err(err->msg, sizeof(err->msg), "emoc_session_create: NULL argument");
        return EMOC_E_ARG;
    }
    *out = NULL;
    if (threads <= 0) threads = online_cores();
    if (threads > 256) {
        if (err) emoc__set_err(err->msg, sizeof(err->msg), "threads = %d exceeds 256", threads);
        return EMOC_E_ARG;
    }
    size_t need = emoc_model_arena_size(m, threads);
    if (arena && (arena_size < need || ((uintptr_t)arena & 63))) {
        if (err)
            emoc__set_err(err->msg, sizeof(err->msg),
                          "caller arena of %zu bytes at %p: need %zu bytes, 64-byte aligned",
                          arena_size, arena, need);
        return EMOC_E_ARG;
    }
    const emoc_allocator *a = &m->alloc;
    emoc_session *s = emoc__alloc(a, sizeof(*s), 64);
    if (!s) goto nomem;
    memset(s, 0, sizeof(*s));
    s->model = m;
    if (arena) {
        s->arena = arena;
    } else {
        s->arena = emoc__alloc(a, need ? need : 64, 64);
        s->arena_owned = 1;
        if (!s->arena) goto nomem;
    }
    s->scratch = (float *)(s->arena + m->plan.arena_bytes);
    s->probs = emoc__alloc(a, sizeof(float) * (size_t)(m->info.n_classes + 1), 64);
    if (!s->probs) goto nomem;
    if (emoc__pool_create(a, threads, &s->pool) != EMOC_OK) goto nomem;
    emoc__pool_set_flush_denormals(s->pool, m->flush_denormals);
    *out = s;
    return EMOC_OK;
nomem:
    emoc_session_free(s);
    if (err) emoc__set_err(err->msg, sizeof(err->msg), "out of memory creating a session (%zu-byte arena)", need);
    return EMOC_E_NOMEM;
}

void emoc_session_free(emoc_session *s)
{
    if (!s) return;
    const emoc_allocator *a = &s->model->alloc;
    emoc__pool_free(s->pool);
    if (s->arena_owned) emoc__free(a, s->arena);
    emoc__free(a, s->probs);
    emoc__free(a, s);
}

const char *emoc_session_last_error(const emoc_session *s) { return s ? s->err : "session is NULL"; }
int emoc_session_threads(const emoc_session *s) { return s ? emoc__pool_threads(s->pool) : 0; }

void emoc__session_set_task_grain(emoc_session *s, double ns)
{
    if (s) s->task_grain_ns = ns;
}

void emoc_session_set_trace(emoc_session *s, emoc_trace_fn fn, void *user)
{
    if (!s) return;
    s->trace = fn;
    s->trace_user = user;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static emoc_status session_run(emoc_session *s, const float *input, size_t n_values, emoc_output *out);

emoc_status emoc_session_run(emoc_session *s, const float *input, size_t n_values, emoc_output *out)
{
    if (!s || !s->model->flush_denormals) return session_run(s, input, n_values, out);
    unsigned long ieee_state = emoc__fp_flush_begin();
    emoc_status st = session_run(s, input, n_values, out);
    emoc__fp_restore(ieee_state);
    return st;
}

static emoc_status session_run(emoc_session *s, const float *input, size_t n_values, emoc_output *out)
{
    if (!s || !input || !out) {
        if (s) emoc__set_err(s->err, sizeof(s->err), "emoc_session_run: NULL argument");
        return EMOC_E_ARG;
    }
    const emoc_model *m = s->model;
    const emoc_plan *p = &m->plan;
    const int S = m->info.input_size;
    const size_t hw = (size_t)S * (size_t)S;
    if (n_values != 3 * hw) {
        emoc__set_err(s->err, sizeof(s->err),
                      "input has %zu values, model '%s' expects 1x3x%dx%d = %zu", n_values,
                      m->info.variant, S, S, 3 * hw);
        return EMOC_E_SHAPE;
    }
    /* NCHW → NHWC, rejecting non-finite values (they would poison every output). */
    float *x = (float *)(s->arena + p->bufs[p->input_buf].offset);
    for (int c = 0; c < 3; c++) {
        const float *src = input + (size_t)c * hw;
        for (size_t i = 0; i < hw; i++) {
            float v = src[i];
            if (!isfinite(v)) {
                emoc__set_err(s->err, sizeof(s->err),
                              "input value at channel %d, row %zu, column %zu is not finite", c,
                              i / (size_t)S, i % (size_t)S);
                return EMOC_E_NONFINITE;
            }
            x[i * 3 + (size_t)c] = v;
        }
    }
    emoc_exec_ctx ctx = {.plan = p, .arena = s->arena, .pool = s->pool, .scratch = s->scratch,
                         .scratch_per_thread = ((p->scratch_floats * sizeof(float) + 63) & ~(size_t)63) / sizeof(float),
                         .kt = &m->kt, .task_grain_ns = s->task_grain_ns};
    emoc_exec_ctx alone = ctx; /* for one_thread ops: no pool, every op one task */
    alone.pool = NULL;
    for (int i = 0; i < p->n_ops; i++) {
        const emoc_op *op = &p->ops[i];
        const emoc_exec_ctx *c = op->one_thread ? &alone : &ctx;
        if (s->trace) {
            uint64_t t0 = now_ns();
            op->exec(op, c);
            emoc_trace_event ev;
            emoc__fill_event(m, i, &ev);
            ev.ns = now_ns() - t0;
            s->trace(s->trace_user, &ev);
        } else if (op->fuse_next) {
            emoc__exec_expand_dw(op, op + 1, c);
            i++;
        } else {
            op->exec(op, c);
        }
    }
    const float *scores = (const float *)(s->arena + p->bufs[p->scores_buf].offset);
    const int nc = m->info.n_classes;
    float mx = nc > 0 ? scores[0] : 0.0f;
    int label = nc > 0 ? 0 : -1; /* a bare backbone has no emotion logits */
    for (int i = 1; i < nc; i++)
        if (scores[i] > mx) {
            mx = scores[i];
            label = i;
        }
    double sum = 0.0;
    for (int i = 0; i < nc; i++) sum += (double)(s->probs[i] = expf(scores[i] - mx));
    for (int i = 0; i < nc; i++) s->probs[i] = (float)(s->probs[i] / sum);
    out->scores = scores;
    out->n_scores = m->info.n_scores;
    out->probs = s->probs;
    out->n_classes = nc;
    out->label = label;
    out->has_va = m->info.valence_index >= 0;
    out->valence = out->has_va ? scores[m->info.valence_index] : 0.0f;
    out->arousal = out->has_va ? scores[m->info.arousal_index] : 0.0f;
    out->embedding = p->embedding_buf >= 0 ? (const float *)(s->arena + p->bufs[p->embedding_buf].offset) : NULL;
    out->n_embedding = p->embedding_buf >= 0 ? p->bufs[p->embedding_buf].c : 0;
    for (int i = 0; i < out->n_scores; i++)
        if (!isfinite(scores[i])) {
            emoc__set_err(s->err, sizeof(s->err), "output score %d is not finite", i);
            return EMOC_E_NONFINITE;
        }
    return EMOC_OK;
}
