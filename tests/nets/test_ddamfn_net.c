/*
 * test_ddamfn_net.c — nets/ddamfn.c end to end on random weights laid out from the spec tables
 * (§3.2–3.3, written out here independently of the net file): the plan builds, runs, gives
 * finite outputs of the right sizes, identical for 1 and 3 threads; a missing tensor, a wrong
 * mixed-depthwise split and an extra tensor are each rejected with a message naming them;
 * the dead-parameter prefixes are accepted. Numerical equality with PyTorch is `make
 * conformance` (tools/reference/).
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

static void conv_bias(tlist *l, const char *p, int64_t o, int64_t i, int64_t kh, int64_t kw)
{
    char n[96];
    snprintf(n, sizeof n, "%s.weight", p);
    add(l, n, 4, o, i, kh, kw);
    snprintf(n, sizeof n, "%s.bias", p);
    add(l, n, 1, o, 0, 0, 0);
}

static void mix(tlist *l, const char *p, int in, int out, int G, const int *splits,
                const int *kernels, int n_splits)
{
    char n[96];
    snprintf(n, sizeof n, "%s.conv.conv", p);
    conv_bias(l, n, G, in, 1, 1);
    snprintf(n, sizeof n, "%s.conv.prelu.weight", p);
    add(l, n, 1, G, 0, 0, 0);
    for (int i = 0; i < n_splits; i++) {
        snprintf(n, sizeof n, "%s.conv_dw.mixed_depthwise_conv.%d.weight", p, i);
        add(l, n, 4, splits[i], 1, kernels[i], kernels[i]);
    }
    int mip = G / 32 > 8 ? G / 32 : 8;
    snprintf(n, sizeof n, "%s.CA.conv1", p);
    conv_bias(l, n, mip, G, 1, 1);
    snprintf(n, sizeof n, "%s.CA.conv2", p);
    conv_bias(l, n, G, mip, 1, 1);
    snprintf(n, sizeof n, "%s.CA.conv3", p);
    conv_bias(l, n, G, mip, 1, 1);
    snprintf(n, sizeof n, "%s.project.conv", p);
    conv_bias(l, n, out, G, 1, 1);
}

/* Spec §3.2 table, then the heads and output of §3.3. */
static void ddamfn_tensors(tlist *l)
{
    l->n = 0;
    conv_bias(l, "features.0.conv", 64, 3, 3, 3);
    add(l, "features.0.prelu.weight", 1, 64, 0, 0, 0);
    conv_bias(l, "features.1.conv", 64, 1, 3, 3);
    add(l, "features.1.prelu.weight", 1, 64, 0, 0, 0);
    static const struct {
        int idx, blocks, in, out, G, n;
        int splits[4], kernels[4];
    } S[] = {
        {2, 0, 64, 64, 128, 3, {64, 32, 32}, {3, 5, 7}},
        {3, 9, 64, 64, 128, 2, {96, 32}, {3, 5}},
        {4, 0, 64, 128, 256, 3, {128, 64, 64}, {3, 5, 7}},
        {5, 16, 128, 128, 256, 2, {192, 64}, {3, 5}},
        {6, 0, 128, 256, 1024, 4, {256, 256, 256, 256}, {3, 5, 7, 9}},
        {7, 6, 256, 256, 512, 3, {172, 170, 170}, {3, 5, 7}},
    };
    char p[96];
    for (size_t s = 0; s < sizeof S / sizeof S[0]; s++) {
        if (!S[s].blocks) {
            snprintf(p, sizeof p, "features.%d", S[s].idx);
            mix(l, p, S[s].in, S[s].out, S[s].G, S[s].splits, S[s].kernels, S[s].n);
        }
        for (int j = 0; j < S[s].blocks; j++) {
            snprintf(p, sizeof p, "features.%d.model.%d", S[s].idx, j);
            mix(l, p, S[s].in, S[s].out, S[s].G, S[s].splits, S[s].kernels, S[s].n);
        }
    }
    conv_bias(l, "features.8.conv", 512, 256, 1, 1);
    add(l, "features.8.prelu.weight", 1, 512, 0, 0, 0);
    for (int h = 0; h < 2; h++) {
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.Linear_h.conv", h);
        conv_bias(l, p, 512, 1, 1, 7);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.Linear_w.conv", h);
        conv_bias(l, p, 512, 1, 7, 1);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.conv1", h);
        conv_bias(l, p, 16, 512, 1, 1);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.conv2", h);
        conv_bias(l, p, 512, 16, 1, 1);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.conv3", h);
        conv_bias(l, p, 512, 16, 1, 1);
    }
    conv_bias(l, "Linear.conv", 512, 1, 7, 7);
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
    const char *dead[2] = {"cat_head0.CoordAtt.Linear.", "bn."};
    double mean[3] = {0.485, 0.456, 0.406}, sd[3] = {0.229, 0.224, 0.225};
    emw_writer_meta_str(w, "emoc.arch", "ddamfn");
    emw_writer_meta_str(w, "emoc.variant", "ddamfn");
    emw_writer_meta_str(w, "emoc.name", "ddamfn_test");
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
    emw_writer_meta_str_array(w, "ignored.prefixes", dead, 2);
    emw_writer_meta_str(w, "source.file", "test_ddamfn_net.c");
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

Test(ddamfn_net, random_weights_run_and_threads_agree_bitwise)
{
    ddamfn_tensors(&L);
    size_t size;
    uint8_t *buf = build(&L, -1, NULL, &size);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, size, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    emoc_model_info info;
    cr_assert_eq(emoc_model_get_info(m, &info), EMOC_OK);
    cr_assert_str_eq(info.arch, "ddamfn");
    cr_assert_eq(info.embedding_size, 512);
    float s1[10], e1[512], s3[10], e3[512];
    run(m, 1, s1, e1);
    run(m, 3, s3, e3);
    cr_assert(!memcmp(s1, s3, sizeof s1) && !memcmp(e1, e3, sizeof e1),
              "1 and 3 threads differ");
    float mx = 0;
    for (int i = 0; i < 10; i++) {
        cr_assert(isfinite(s1[i]));
        mx = fmaxf(mx, fabsf(s1[i]));
    }
    cr_assert_gt(mx, 1e-6f, "scores are all zero: the net computed nothing");
    /* stem 2 + 34 blocks × (pw + 4 CoordAtt ops + project) + 78 mixed-depthwise splits
     * + conv_6_sep + 2 heads × (strip, conv1, gates) + max-combine + dw 7×7 + fc */
    cr_assert_eq(emoc_model_op_count(m), 2 + 34 * 6 + 78 + 1 + 2 * 3 + 3, "%d ops", emoc_model_op_count(m));
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

Test(ddamfn_net, missing_tensor_is_named)
{
    ddamfn_tensors(&L);
    int i = 0;
    while (strcmp(L.t[i].name, "features.5.model.3.CA.conv2.bias")) i++;
    expect_rejected(i, NULL, "features.5.model.3.CA.conv2.bias");
}

Test(ddamfn_net, wrong_mixed_split_is_rejected)
{
    ddamfn_tensors(&L);
    int i = 0;
    while (strcmp(L.t[i].name, "features.7.model.2.conv_dw.mixed_depthwise_conv.0.weight")) i++;
    L.t[i].dims[0] = 171; /* 171 + 170 + 170 ≠ 512 */
    expect_rejected(-1, NULL, "features.7.model.2");
}

Test(ddamfn_net, extra_tensor_rejected_but_dead_prefix_accepted)
{
    ddamfn_tensors(&L);
    expect_rejected(-1, "cat_head1.CoordAtt.unknown", "cat_head1.CoordAtt.unknown");
    size_t size;
    uint8_t *buf = build(&L, -1, "cat_head0.CoordAtt.Linear.bn.weight", &size);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, size, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    emoc_model_free(m);
}
