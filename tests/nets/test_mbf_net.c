/*
 * test_mbf_net.c — nets/mobilefacenet.c end to end on random weights laid out from the spec
 * table (§2.2, written out here independently of the net file): builds, runs, finite outputs of
 * the right sizes, identical for 1 and 2 threads, the expected op count; a missing tensor, a
 * wrong grouped-conv shape and an extra tensor are each rejected with a message naming them.
 * Numerical equality with PyTorch is `make conformance` (tools/reference/).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "weights/emw.h"

typedef struct tspec {
    char name[96];
    int rank;
    int64_t dims[4];
} tspec;

typedef struct tlist {
    tspec t[1200];
    int n;
} tlist;

static void add(tlist *l, const char *name, int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    cr_assert(l->n < 1200);
    tspec *t = &l->t[l->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rank = rank;
    int64_t d[4] = {d0, d1, d2, d3};
    memcpy(t->dims, d, sizeof d);
}

/* Folded conv P.layers.0.{weight,bias} (+ PReLU slope P.layers.2.weight). */
static void block(tlist *l, const char *p, int64_t o, int64_t i, int64_t k, int prelu)
{
    char n[96];
    snprintf(n, sizeof n, "%s.layers.0.weight", p);
    add(l, n, 4, o, i, k, k);
    snprintf(n, sizeof n, "%s.layers.0.bias", p);
    add(l, n, 1, o, 0, 0, 0);
    if (prelu) {
        snprintf(n, sizeof n, "%s.layers.2.weight", p);
        add(l, n, 1, o, 0, 0, 0);
    }
}

static void depth_wise(tlist *l, const char *p, int in, int G, int out)
{
    char n[96];
    snprintf(n, sizeof n, "%s.layers.0", p);
    block(l, n, G, in, 1, 1);
    snprintf(n, sizeof n, "%s.layers.1", p);
    block(l, n, G, 1, 3, 1);
    snprintf(n, sizeof n, "%s.layers.2", p);
    block(l, n, out, G, 1, 0);
}

static void mbf_tensors(tlist *l)
{
    l->n = 0;
    block(l, "features.layers.0", 128, 3, 3, 1);
    block(l, "features.layers.1", 128, 2, 3, 1); /* 64 groups of 2 */
    static const struct { int idx, blocks, in, G, out; } S[] = {
        {2, 0, 128, 128, 128}, {3, 4, 128, 128, 128}, {4, 0, 128, 256, 256},
        {5, 6, 256, 256, 256}, {6, 0, 256, 512, 256}, {7, 2, 256, 256, 256},
    };
    char p[96];
    for (size_t s = 0; s < sizeof S / sizeof S[0]; s++) {
        if (!S[s].blocks) {
            snprintf(p, sizeof p, "features.layers.%d", S[s].idx);
            depth_wise(l, p, S[s].in, S[s].G, S[s].out);
        }
        for (int j = 0; j < S[s].blocks; j++) {
            snprintf(p, sizeof p, "features.layers.%d.layers.%d", S[s].idx, j);
            depth_wise(l, p, S[s].in, S[s].G, S[s].out);
        }
    }
    block(l, "features.conv_sep", 512, 256, 1, 1);
    block(l, "features.features.layers.0", 512, 1, 7, 0);
    add(l, "features.features.layers.2.weight", 2, 512, 512, 0, 0);
    add(l, "features.features.layers.2.bias", 1, 512, 0, 0, 0);
    add(l, "fc.weight", 2, 10, 512, 0, 0);
    add(l, "fc.bias", 1, 10, 0, 0, 0);
}

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.0f - 0.5f;
}

/* EMW of the list with weights ~ U(−0.5, 0.5)·√(12/fan_in)·0.5 and slopes/biases small. */
static uint8_t *build(const tlist *l, int skip, const char *extra, size_t *size)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    const char *labels[8] = {"Anger", "Contempt", "Disgust", "Fear",
                             "Happiness", "Neutral", "Sadness", "Surprise"};
    double mean[3] = {0.5, 0.5, 0.5}, sd[3] = {0.5, 0.5, 0.5};
    emw_writer_meta_str(w, "emoc.arch", "mobilefacenet");
    emw_writer_meta_str(w, "emoc.variant", "mbf");
    emw_writer_meta_str(w, "emoc.name", "mbf_test");
    emw_writer_meta_i64(w, "input.size", 112);
    emw_writer_meta_i64(w, "input.channels", 3);
    emw_writer_meta_str(w, "input.color", "RGB");
    emw_writer_meta_f64_array(w, "input.mean", mean, 3);
    emw_writer_meta_f64_array(w, "input.std", sd, 3);
    emw_writer_meta_str(w, "input.resize", "cv2_linear");
    emw_writer_meta_i64(w, "output.n_scores", 10);
    emw_writer_meta_i64(w, "output.n_classes", 8);
    emw_writer_meta_str_array(w, "output.labels", labels, 8);
    emw_writer_meta_i64(w, "output.valence_index", 8);
    emw_writer_meta_i64(w, "output.arousal_index", 9);
    emw_writer_meta_i64(w, "output.embedding_size", 512);
    emw_writer_meta_str(w, "source.file", "test_mbf_net.c");
    emw_writer_meta_str(w, "source.sha256",
                        "0000000000000000000000000000000000000000000000000000000000000000");
    emw_writer_meta_str(w, "converter.version", "test");
    unsigned seed = 7;
    float *buf = malloc(1024 * 1024 * sizeof(float));
    for (int i = 0; i < l->n; i++) {
        if (i == skip) continue;
        const tspec *t = &l->t[i];
        size_t n = 1, fan_in = 1;
        for (int d = 0; d < t->rank; d++) n *= (size_t)t->dims[d];
        for (int d = 1; d < t->rank; d++) fan_in *= (size_t)t->dims[d];
        float scale = t->rank == 1 ? 0.2f : 2.0f * sqrtf(3.0f / (float)fan_in);
        for (size_t k = 0; k < n; k++) buf[k] = rnd(&seed) * scale;
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

static tlist L;

static void run(const emoc_model *m, int threads, float *scores, float *emb)
{
    emoc_session *s = NULL;
    emoc_error err;
    cr_assert_eq(emoc_session_create(m, threads, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    size_t n = 3 * 112 * 112;
    float *x = malloc(n * sizeof(float));
    unsigned seed = 3;
    for (size_t i = 0; i < n; i++) x[i] = 4.0f * rnd(&seed);
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, n, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    cr_assert_eq(out.n_scores, 10);
    cr_assert_eq(out.n_embedding, 512);
    memcpy(scores, out.scores, 10 * sizeof(float));
    memcpy(emb, out.embedding, 512 * sizeof(float));
    free(x);
    emoc_session_free(s);
}

Test(mbf_net, random_weights_run_and_threads_agree_bitwise)
{
    mbf_tensors(&L);
    size_t size;
    uint8_t *buf = build(&L, -1, NULL, &size);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, size, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    float s1[10], e1[512], s2[10], e2[512];
    run(m, 1, s1, e1);
    run(m, 2, s2, e2);
    cr_assert(!memcmp(s1, s2, sizeof s1) && !memcmp(e1, e2, sizeof e1), "1 and 2 threads differ");
    float mx = 0;
    for (int i = 0; i < 10; i++) {
        cr_assert(isfinite(s1[i]));
        mx = fmaxf(mx, fabsf(s1[i]));
    }
    cr_assert_gt(mx, 1e-6f, "scores are all zero");
    /* 2 convs + 15 DepthWise × 3 + conv_sep + GDC dw + linear + fc */
    cr_assert_eq(emoc_model_op_count(m), 2 + 15 * 3 + 4, "%d ops", emoc_model_op_count(m));
    emoc_model_free(m);
}

static void expect_rejected(int skip, const char *extra, const char *needle)
{
    size_t size;
    uint8_t *buf = build(&L, skip, extra, &size);
    emoc_model *m = NULL;
    emoc_error err;
    err.msg[0] = 0;
    emoc_status st = emoc_model_load_memory(buf, size, NULL, &m, &err);
    free(buf);
    cr_assert_eq(st, EMOC_E_SHAPE, "status %d: %s", st, err.msg);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
}

Test(mbf_net, missing_tensor_is_named)
{
    mbf_tensors(&L);
    int i = 0;
    while (strcmp(L.t[i].name, "features.layers.5.layers.2.layers.1.layers.2.weight")) i++;
    expect_rejected(i, NULL, "features.layers.5.layers.2.layers.1.layers.2.weight");
}

Test(mbf_net, grouped_conv_needs_two_channels_per_group)
{
    mbf_tensors(&L);
    L.t[3].dims[1] = 128; /* features.layers.1 as a full conv: not the 64-group layout */
    expect_rejected(-1, NULL, "features.layers.1.layers.0.weight");
}

Test(mbf_net, extra_tensor_is_rejected)
{
    mbf_tensors(&L);
    expect_rejected(-1, "features.features.layers.3.running_mean", "features.features.layers.3.running_mean");
}
