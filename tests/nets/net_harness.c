/* net_harness.c — shared parts of the whole-net tests on random weights (see net_harness.h). */
#include "tests/nets/net_harness.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/core.h"
#include "engine/emw/emw.h"

void net_add(net_tensors *l, const char *name, int rank, int64_t d0, int64_t d1, int64_t d2,
             int64_t d3)
{
    cr_assert(l->n < 1200);
    net_tensor *t = &l->t[l->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rank = rank;
    int64_t d[4] = {d0, d1, d2, d3};
    memcpy(t->dims, d, sizeof d);
}

float net_rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.0f - 0.5f;
}

static void write_meta(emw_writer *w, const net_meta *meta)
{
    const char *labels[8] = {"Anger", "Contempt", "Disgust", "Fear",
                             "Happiness", "Neutral", "Sadness", "Surprise"};
    emw_writer_meta_str(w, "emoc.arch", meta->arch);
    emw_writer_meta_str(w, "emoc.variant", meta->variant);
    emw_writer_meta_str(w, "emoc.name", meta->name);
    emw_writer_meta_i64(w, "input.size", 112);
    emw_writer_meta_i64(w, "input.channels", 3);
    emw_writer_meta_str(w, "input.color", "RGB");
    emw_writer_meta_f64_array(w, "input.mean", meta->mean, 3);
    emw_writer_meta_f64_array(w, "input.std", meta->std, 3);
    emw_writer_meta_str(w, "input.resize", "cv2_linear");
    emw_writer_meta_i64(w, "output.n_scores", 10);
    emw_writer_meta_i64(w, "output.n_classes", 8);
    emw_writer_meta_str_array(w, "output.labels", labels, 8);
    emw_writer_meta_i64(w, "output.valence_index", 8);
    emw_writer_meta_i64(w, "output.arousal_index", 9);
    emw_writer_meta_i64(w, "output.embedding_size", 512);
    if (meta->ignored)
        emw_writer_meta_str_array(w, "ignored.prefixes", meta->ignored, (size_t)meta->n_ignored);
    emw_writer_meta_str(w, "source.file", meta->source_file);
    emw_writer_meta_str(w, "source.sha256",
                        "0000000000000000000000000000000000000000000000000000000000000000");
    emw_writer_meta_str(w, "converter.version", "test");
}

uint8_t *net_build(const net_tensors *l, const net_meta *meta, int skip, const char *extra,
                   size_t *size)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    write_meta(w, meta);
    unsigned seed = 7;
    float *buf = malloc(1024 * 1024 * sizeof(float));
    for (int i = 0; i < l->n; i++) {
        if (i == skip) continue;
        const net_tensor *t = &l->t[i];
        size_t n = 1, fan_in = 1;
        for (int d = 0; d < t->rank; d++) n *= (size_t)t->dims[d];
        for (int d = 1; d < t->rank; d++) fan_in *= (size_t)t->dims[d];
        float scale = t->rank == 1 ? 0.2f : 2.0f * sqrtf(3.0f / (float)fan_in);
        for (size_t k = 0; k < n; k++) buf[k] = net_rnd(&seed) * scale;
        cr_assert_eq(emw_writer_add_tensor(w, t->name, EMW_F32, t->rank, t->dims, buf), EMOC_OK,
                     "%s: %s", t->name, emw_writer_error(w));
    }
    if (extra) {
        int64_t d = 4;
        cr_assert_eq(emw_writer_add_tensor(w, extra, EMW_F32, 1, &d, buf), EMOC_OK);
    }
    free(buf);
    uint8_t *out = NULL;
    cr_assert_eq(emw_writer_to_memory(w, &out, size), EMOC_OK, "%s", emw_writer_error(w));
    emw_writer_free(w);
    return out;
}

emoc_model *net_load(const net_tensors *l, const net_meta *meta, const char *extra)
{
    size_t size;
    uint8_t *buf = net_build(l, meta, -1, extra, &size);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, size, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    return m;
}

static void run_grain(const emoc_model *m, int threads, double grain_ns, float *scores, float *emb)
{
    emoc_session *s = NULL;
    emoc_error err;
    cr_assert_eq(emoc_session_create(m, threads, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    emoc__session_set_task_grain(s, grain_ns);
    size_t n = 3 * 112 * 112;
    float *x = malloc(n * sizeof(float));
    unsigned seed = 3;
    for (size_t i = 0; i < n; i++) x[i] = 4.0f * net_rnd(&seed);
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, n, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    cr_assert_eq(out.n_scores, 10);
    cr_assert_eq(out.n_embedding, 512);
    memcpy(scores, out.scores, 10 * sizeof(float));
    memcpy(emb, out.embedding, 512 * sizeof(float));
    free(x);
    emoc_session_free(s);
}

static void run(const emoc_model *m, int threads, float *scores, float *emb)
{
    run_grain(m, threads, 0, scores, emb);
}

void net_assert_threads_agree(const emoc_model *m, int threads)
{
    float s1[10], e1[512], sn[10], en[512];
    run(m, 1, s1, e1);
    run(m, threads, sn, en);
    cr_assert(!memcmp(s1, sn, sizeof s1) && !memcmp(e1, en, sizeof e1), "1 and %d threads differ",
              threads);
    /* every op split as far as it goes (the default grain runs the smallest ops whole) */
    run_grain(m, threads, 1e-3, sn, en);
    cr_assert(!memcmp(s1, sn, sizeof s1) && !memcmp(e1, en, sizeof e1),
              "1 and %d threads differ with the smallest task grain", threads);
    float mx = 0;
    for (int i = 0; i < 10; i++) {
        cr_assert(isfinite(s1[i]));
        mx = fmaxf(mx, fabsf(s1[i]));
    }
    cr_assert_gt(mx, 1e-6f, "scores are all zero: the net computed nothing");
}

void net_assert_ftz_close(const net_tensors *l, const net_meta *meta, int threads)
{
    size_t size;
    uint8_t *buf = net_build(l, meta, -1, NULL, &size);
    emoc_model *ieee = NULL, *ftz = NULL;
    emoc_options opt;
    emoc_options_default(&opt);
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, size, &opt, &ieee, &err), EMOC_OK, "%s", err.msg);
    opt.flush_denormals = 1;
    cr_assert_eq(emoc_model_load_memory(buf, size, &opt, &ftz, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    float si[10], ei[512], s1[10], e1[512], sn[10], en[512];
    run(ieee, 1, si, ei);
    run(ftz, 1, s1, e1);
    run(ftz, threads, sn, en);
    cr_assert(!memcmp(s1, sn, sizeof s1) && !memcmp(e1, en, sizeof e1), "FTZ: 1 and %d threads differ", threads);
    float mx = 0, d = 0;
    for (int i = 0; i < 10; i++) {
        mx = fmaxf(mx, fabsf(si[i]));
        d = fmaxf(d, fabsf(si[i] - s1[i]));
    }
    cr_assert_leq(d, 1e-4f * fmaxf(1.0f, mx), "FTZ moved a score by %g (max |score| %g)", (double)d, (double)mx);
    emoc_model_free(ieee);
    emoc_model_free(ftz);
}

void net_expect_rejected(const net_tensors *l, const net_meta *meta, int skip, const char *extra,
                         const char *needle)
{
    size_t size;
    uint8_t *buf = net_build(l, meta, skip, extra, &size);
    emoc_model *m = NULL;
    emoc_error err;
    err.msg[0] = 0;
    emoc_status st = emoc_model_load_memory(buf, size, NULL, &m, &err);
    free(buf);
    cr_assert_eq(st, EMOC_E_SHAPE, "status %d: %s", st, err.msg);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
}
