/* test_efficientnet.c — nets/efficientnet.c against an independent naive NCHW forward pass
 * (written from docs/models.md §1.2–1.4, not from the net file) on a synthetic B0 and B2 at an
 * even and an odd input size, so both TF-SAME cases (asymmetric and symmetric) are exercised. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "tests/convert/enet_synth.h"
#include "engine/emw/emw.h"

typedef struct tensor3 {
    int c, h, w;
    float *d;
} tensor3;

static const float *W(const emw_file *f, const char *fmt, int s, int b, float **keep, int *nk)
{
    char name[96];
    snprintf(name, sizeof name, fmt, s, b);
    const emw_tensor *t = emw_find_tensor(f, name);
    cr_assert(t, "tensor %s", name);
    float *v = malloc(t->count * sizeof(float));
    emw_tensor_to_f32(t, v);
    keep[(*nk)++] = v;
    return v;
}

static float silu(float x) { return x / (1.0f + expf(-x)); }

/* Convolution with PyTorch weights [cout][cin/g][k][k]; stride 2 pads TF-SAME (extra pixel
 * bottom/right), stride 1 pads k/2 on every side. */
static tensor3 conv(tensor3 x, const float *w, const float *b, int cout, int k, int s, int g,
                    int act_silu)
{
    int pt, oh, ow;
    if (s == 2) {
        oh = (x.h + 1) / 2;
        ow = (x.w + 1) / 2;
        int tot = (oh - 1) * 2 + k - x.h;
        pt = tot > 0 ? tot / 2 : 0;
    } else {
        oh = x.h;
        ow = x.w;
        pt = k / 2;
    }
    tensor3 y = {cout, oh, ow, calloc((size_t)cout * oh * ow, sizeof(float))};
    int cin_g = x.c / g, cout_g = cout / g;
    for (int o = 0; o < cout; o++) {
        int grp = o / cout_g;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double acc = b ? b[o] : 0;
                for (int ci = 0; ci < cin_g; ci++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = oy * s - pt + ky, ix = ox * s - pt + kx;
                            if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                            acc += (double)w[((o * cin_g + ci) * k + ky) * k + kx] *
                                   x.d[((grp * cin_g + ci) * x.h + iy) * x.w + ix];
                        }
                float v = (float)acc;
                y.d[(o * oh + oy) * ow + ox] = act_silu ? silu(v) : v;
            }
    }
    return y;
}

static void se(tensor3 x, const float *rw, const float *rb, const float *ew, const float *eb, int rd)
{
    int hw = x.h * x.w;
    float *m = calloc((size_t)x.c, sizeof(float)), *r = calloc((size_t)rd, sizeof(float));
    for (int c = 0; c < x.c; c++) {
        double s = 0;
        for (int i = 0; i < hw; i++) s += x.d[c * hw + i];
        m[c] = (float)(s / hw);
    }
    for (int j = 0; j < rd; j++) {
        double a = rb[j];
        for (int c = 0; c < x.c; c++) a += (double)rw[j * x.c + c] * m[c];
        r[j] = silu((float)a);
    }
    for (int c = 0; c < x.c; c++) {
        double a = eb[c];
        for (int j = 0; j < rd; j++) a += (double)ew[c * rd + j] * r[j];
        float gate = 1.0f / (1.0f + expf(-(float)a));
        for (int i = 0; i < hw; i++) x.d[c * hw + i] *= gate;
    }
    free(m);
    free(r);
}

/* Returns scores (n) and embedding (e) computed naively. */
static void reference(const emw_file *f, int b2, int S, const float *in, float *scores, int n,
                      float *emb, int e)
{
    static const int K[7] = {3, 3, 5, 3, 5, 5, 3}, ST[7] = {1, 2, 2, 2, 1, 2, 1};
    static const int R0[7] = {1, 2, 2, 3, 3, 4, 1}, R2[7] = {2, 3, 3, 4, 4, 5, 2};
    static const int O0[7] = {16, 24, 40, 80, 112, 192, 320}, O2[7] = {16, 24, 48, 88, 120, 208, 352};
    const int *R = b2 ? R2 : R0, *O = b2 ? O2 : O0;
    float *keep[512];
    int nk = 0;
    tensor3 x = {3, S, S, malloc(sizeof(float) * 3 * S * S)};
    memcpy(x.d, in, sizeof(float) * 3 * S * S);
    tensor3 y = conv(x, W(f, "conv_stem.weight", 0, 0, keep, &nk), W(f, "conv_stem.bias", 0, 0, keep, &nk), 32, 3, 2, 1, 1);
    free(x.d);
    x = y;
    for (int s = 0; s < 7; s++)
        for (int r = 0; r < R[s]; r++) {
            int stride = r == 0 ? ST[s] : 1, cin = x.c, mid = s == 0 ? cin : cin * 6;
            int rd = (cin + 2) / 4;
            tensor3 h = x;
            if (s > 0)
                h = conv(x, W(f, "blocks.%d.%d.conv_pw.weight", s, r, keep, &nk),
                         W(f, "blocks.%d.%d.conv_pw.bias", s, r, keep, &nk), mid, 1, 1, 1, 1);
            tensor3 d = conv(h, W(f, "blocks.%d.%d.conv_dw.weight", s, r, keep, &nk),
                             W(f, "blocks.%d.%d.conv_dw.bias", s, r, keep, &nk), mid, K[s], stride, mid, 1);
            if (h.d != x.d) free(h.d);
            se(d, W(f, "blocks.%d.%d.se.conv_reduce.weight", s, r, keep, &nk),
               W(f, "blocks.%d.%d.se.conv_reduce.bias", s, r, keep, &nk),
               W(f, "blocks.%d.%d.se.conv_expand.weight", s, r, keep, &nk),
               W(f, "blocks.%d.%d.se.conv_expand.bias", s, r, keep, &nk), rd);
            const char *pw = s == 0 ? "blocks.%d.%d.conv_pw.weight" : "blocks.%d.%d.conv_pwl.weight";
            const char *pb = s == 0 ? "blocks.%d.%d.conv_pw.bias" : "blocks.%d.%d.conv_pwl.bias";
            tensor3 p = conv(d, W(f, pw, s, r, keep, &nk), W(f, pb, s, r, keep, &nk), O[s], 1, 1, 1, 0);
            free(d.d);
            if (stride == 1 && cin == O[s])
                for (int i = 0; i < p.c * p.h * p.w; i++) p.d[i] += x.d[i];
            free(x.d);
            x = p;
        }
    y = conv(x, W(f, "conv_head.weight", 0, 0, keep, &nk), W(f, "conv_head.bias", 0, 0, keep, &nk), e, 1, 1, 1, 1);
    free(x.d);
    for (int c = 0; c < e; c++) {
        double s = 0;
        for (int i = 0; i < y.h * y.w; i++) s += y.d[c * y.h * y.w + i];
        emb[c] = (float)(s / (y.h * y.w));
    }
    free(y.d);
    const float *cw = W(f, "classifier.weight", 0, 0, keep, &nk), *cb = W(f, "classifier.bias", 0, 0, keep, &nk);
    for (int j = 0; j < n; j++) {
        double a = cb[j];
        for (int c = 0; c < e; c++) a += (double)cw[j * e + c] * emb[c];
        scores[j] = (float)a;
    }
    for (int i = 0; i < nk; i++) free(keep[i]);
}

static void check(int b2, int n_scores, int S)
{
    enet_synth_opts o = {.b2 = b2, .n_scores = n_scores, .trans_b = 1};
    emoc_error err = {{0}};
    size_t size = 0;
    uint8_t *emw = enet_synth_emw(&o, "t.onnx", S, &size, &err);
    cr_assert(emw, "%s", err.msg);
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    cr_assert_eq(emoc_model_load_memory(emw, size, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    size_t n = (size_t)3 * S * S;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = sinf((float)i * 0.37f) * 1.5f;
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, n, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    int e = b2 ? 1408 : 1280;
    cr_assert_eq(out.n_scores, n_scores);
    cr_assert_eq(out.n_embedding, e);
    cr_assert_eq(out.has_va, n_scores == 10);
    float ref_s[10], *ref_e = malloc((size_t)e * sizeof(float));
    emw_file f;
    cr_assert_eq(emw_parse(emw, size, 0, &f, &err), EMOC_OK);
    reference(&f, b2, S, x, ref_s, n_scores, ref_e, e);
    emw_file_release(&f);
    float me = 0, ms = 0, ae = 0, as = 0;
    for (int i = 0; i < e; i++) {
        me = fmaxf(me, fabsf(ref_e[i]));
        ae = fmaxf(ae, fabsf(ref_e[i] - out.embedding[i]));
    }
    for (int i = 0; i < n_scores; i++) {
        ms = fmaxf(ms, fabsf(ref_s[i]));
        as = fmaxf(as, fabsf(ref_s[i] - out.scores[i]));
    }
    cr_assert(me > 1e-3f, "embedding is not trivially zero");
    cr_assert(ae <= 1e-4f * fmaxf(1, me), "embedding max err %g (max %g)", ae, me);
    cr_assert(as <= 1e-4f * fmaxf(1, ms), "scores max err %g (max %g)", as, ms);
    if (n_scores == 10) {
        cr_assert_float_eq(out.valence, out.scores[8], 0);
        cr_assert_float_eq(out.arousal, out.scores[9], 0);
    }
    free(ref_e);
    free(x);
    emoc_session_free(s);
    emoc_model_free(m);
    free(emw);
}

Test(efficientnet, b0_even_size_asymmetric_same) { check(0, 8, 64); }
Test(efficientnet, b0_va_odd_size) { check(0, 10, 57); }
Test(efficientnet, b2_odd_size) { check(1, 7, 33); }

Test(efficientnet, wrong_variant_metadata_is_refused)
{
    /* A tinynet-free check: an EMW claiming efficientnet with an unknown variant. */
    emw_writer *w;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emw_writer_meta_str(w, "emoc.arch", "efficientnet");
    emw_writer_meta_str(w, "emoc.variant", "b7");
    emw_writer_meta_str(w, "emoc.name", "x");
    emw_writer_meta_i64(w, "input.size", 64);
    emw_writer_meta_i64(w, "input.channels", 3);
    emw_writer_meta_str(w, "input.color", "RGB");
    double mean[3] = {0.5, 0.5, 0.5};
    emw_writer_meta_f64_array(w, "input.mean", mean, 3);
    emw_writer_meta_f64_array(w, "input.std", mean, 3);
    emw_writer_meta_str(w, "input.resize", "cv2_linear");
    emw_writer_meta_i64(w, "output.n_scores", 2);
    emw_writer_meta_i64(w, "output.n_classes", 2);
    const char *labels[2] = {"a", "b"};
    emw_writer_meta_str_array(w, "output.labels", labels, 2);
    emw_writer_meta_i64(w, "output.valence_index", -1);
    emw_writer_meta_i64(w, "output.arousal_index", -1);
    emw_writer_meta_i64(w, "output.embedding_size", 4);
    emw_writer_meta_str(w, "source.file", "x");
    emw_writer_meta_str(w, "source.sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    emw_writer_meta_str(w, "converter.version", "test");
    float v[2] = {0, 0};
    emw_writer_add_tensor(w, "classifier.bias", EMW_F32, 1, (int64_t[1]){2}, v);
    uint8_t *buf;
    size_t size;
    cr_assert_eq(emw_writer_to_memory(w, &buf, &size), EMOC_OK, "%s", emw_writer_error(w));
    emw_writer_free(w);
    emoc_model *m = NULL;
    emoc_error err = {{0}};
    cr_assert_neq(emoc_model_load_memory(buf, size, NULL, &m, &err), EMOC_OK);
    cr_assert(strstr(err.msg, "'b7' is not b0 or b2"), "%s", err.msg);
    free(buf);
}
