/* test_convert_enet.c — the EfficientNet matcher on synthetic exports (enet_synth.c): variant
 * and head detection, metadata, tensor values (Gemm transB 0/1), f16, and the named failures. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/convert/enet_synth.h"
#include "weights/convert.h"
#include "engine/emw/emw.h"

typedef struct converted {
    emoc_status st;
    emoc_error err;
    uint8_t *emw;
    size_t emw_size;
    emw_file f;
} converted;

static void convert(const enet_synth_opts *o, const char *source, emw_dtype dt, converted *c)
{
    memset(c, 0, sizeof *c);
    size_t size = 0;
    uint8_t *onnx = enet_synth_build(o, &size);
    cr_assert(onnx, "synthetic ONNX build failed");
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts opts = {dt, source};
    c->st = emoc__convert_onnx(onnx, size, &opts, w, &c->err);
    free(onnx);
    if (c->st == EMOC_OK) {
        cr_assert_eq(emw_writer_to_memory(w, &c->emw, &c->emw_size), EMOC_OK, "%s",
                     emw_writer_error(w));
        emoc_error e = {{0}};
        cr_assert_eq(emw_parse(c->emw, c->emw_size, 1, &c->f, &e), EMOC_OK, "%s", e.msg);
    }
    emw_writer_free(w);
}

static void release(converted *c)
{
    if (c->emw) emw_file_release(&c->f);
    free(c->emw);
}

static int64_t meta_i64(const emw_file *f, const char *k)
{
    const emw_meta *m = emw_find_meta(f, k);
    cr_assert(m && m->type == EMW_T_I64, "meta %s", k);
    return m->i64;
}

static const char *meta_str(const emw_file *f, const char *k)
{
    const emw_meta *m = emw_find_meta(f, k);
    cr_assert(m && m->type == EMW_T_STR, "meta %s", k);
    return m->str;
}

static float tensor_at(const emw_file *f, const char *name, uint64_t i)
{
    const emw_tensor *t = emw_find_tensor(f, name);
    cr_assert(t, "tensor %s missing", name);
    float *v = malloc(t->count * sizeof(float));
    emw_tensor_to_f32(t, v);
    float r = v[i];
    free(v);
    return r;
}

Test(convert_enet, b0_8_classes_transB1_metadata_and_values)
{
    enet_synth_opts o = {.n_scores = 8, .trans_b = 1};
    converted c;
    convert(&o, "/some/dir/enet_b0_8_best_vgaf.onnx", EMW_F32, &c);
    cr_assert_eq(c.st, EMOC_OK, "%s", c.err.msg);
    cr_assert_str_eq(meta_str(&c.f, "emoc.arch"), "efficientnet");
    cr_assert_str_eq(meta_str(&c.f, "emoc.variant"), "b0");
    cr_assert_str_eq(meta_str(&c.f, "emoc.name"), "enet_b0_8_best_vgaf");
    cr_assert_str_eq(meta_str(&c.f, "source.file"), "enet_b0_8_best_vgaf.onnx");
    cr_assert_eq(strlen(meta_str(&c.f, "source.sha256")), 64);
    cr_assert_eq(meta_i64(&c.f, "input.size"), 224);
    cr_assert_eq(meta_i64(&c.f, "output.n_scores"), 8);
    cr_assert_eq(meta_i64(&c.f, "output.n_classes"), 8);
    cr_assert_eq(meta_i64(&c.f, "output.valence_index"), -1);
    cr_assert_eq(meta_i64(&c.f, "output.embedding_size"), 1280);
    const emw_meta *labels = emw_find_meta(&c.f, "output.labels");
    cr_assert(labels && labels->count == 8);
    cr_assert_str_eq(labels->strs[1], "Contempt");
    cr_assert_str_eq(labels->strs[7], "Surprise");
    const emw_meta *mean = emw_find_meta(&c.f, "input.mean");
    cr_assert(mean && mean->count == 3 && mean->f64s[2] == 0.406);
    /* 2 stem + 16 blocks (DS: 8 tensors, IR: 10) + 2 head + 2 classifier */
    cr_assert_eq(c.f.n_tensors, 2 + 8 + 15 * 10 + 2 + 2);
    const emw_tensor *dw = emw_find_tensor(&c.f, "blocks.5.0.conv_dw.weight");
    cr_assert(dw && dw->rank == 4 && dw->dims[0] == 672 && dw->dims[1] == 1 && dw->dims[2] == 5);
    cr_assert(emw_find_tensor(&c.f, "blocks.6.0.conv_pwl.weight"));
    cr_assert(emw_find_tensor(&c.f, "blocks.0.0.se.conv_expand.bias"));
    cr_assert_null(emw_find_tensor(&c.f, "blocks.0.0.conv_pwl.weight")); /* DS has conv_pw only */
    cr_assert_float_eq(tensor_at(&c.f, "conv_stem.weight", 5),
                       enet_synth_value(enet_synth_stem_w_id, 5), 0);
    /* transB = 1: ONNX weight is already [N][D]. */
    cr_assert_float_eq(tensor_at(&c.f, "classifier.weight", 3 * 1280 + 17),
                       enet_synth_value(enet_synth_gemm_w_id, 3 * 1280 + 17), 0);
    cr_assert_float_eq(tensor_at(&c.f, "classifier.bias", 6),
                       enet_synth_value(enet_synth_gemm_b_id, 6), 0);
    release(&c);
}

Test(convert_enet, b0_va_mtl_transB0_is_transposed)
{
    enet_synth_opts o = {.n_scores = 10, .trans_b = 0};
    converted c;
    convert(&o, "enet_b0_8_va_mtl.onnx", EMW_F32, &c);
    cr_assert_eq(c.st, EMOC_OK, "%s", c.err.msg);
    cr_assert_str_eq(meta_str(&c.f, "emoc.name"), "enet_b0_8_va_mtl");
    cr_assert_eq(meta_i64(&c.f, "output.n_scores"), 10);
    cr_assert_eq(meta_i64(&c.f, "output.n_classes"), 8);
    cr_assert_eq(meta_i64(&c.f, "output.valence_index"), 8);
    cr_assert_eq(meta_i64(&c.f, "output.arousal_index"), 9);
    const emw_tensor *w = emw_find_tensor(&c.f, "classifier.weight");
    cr_assert(w && w->dims[0] == 10 && w->dims[1] == 1280);
    /* ONNX B is [D=1280][N=10]: element (n=9, d=1000) was at 1000·10 + 9. */
    cr_assert_float_eq(tensor_at(&c.f, "classifier.weight", 9 * 1280 + 1000),
                       enet_synth_value(enet_synth_gemm_w_id, 1000 * 10 + 9), 0);
    release(&c);
}

Test(convert_enet, b2_7_classes_and_f16)
{
    enet_synth_opts o = {.b2 = 1, .n_scores = 7, .trans_b = 1};
    converted c;
    convert(&o, "enet_b2_7.onnx", EMW_F16, &c);
    cr_assert_eq(c.st, EMOC_OK, "%s", c.err.msg);
    cr_assert_str_eq(meta_str(&c.f, "emoc.variant"), "b2");
    cr_assert_str_eq(meta_str(&c.f, "emoc.name"), "enet_b2_7");
    cr_assert_eq(meta_i64(&c.f, "input.size"), 260);
    cr_assert_eq(meta_i64(&c.f, "output.embedding_size"), 1408);
    const emw_meta *labels = emw_find_meta(&c.f, "output.labels");
    cr_assert(labels && labels->count == 7);
    cr_assert_str_eq(labels->strs[1], "Disgust");
    cr_assert(emw_find_tensor(&c.f, "blocks.0.1.conv_pw.weight")); /* B2: two DS blocks */
    cr_assert(emw_find_tensor(&c.f, "blocks.6.1.conv_pwl.weight"));
    const emw_tensor *w = emw_find_tensor(&c.f, "blocks.2.0.conv_pwl.weight");
    cr_assert(w && w->dtype == EMW_F16 && w->dims[0] == 48);
    cr_assert_eq(emw_find_tensor(&c.f, "blocks.2.0.conv_pwl.bias")->dtype, EMW_F32);
    float v = tensor_at(&c.f, "conv_stem.weight", 11), want = enet_synth_value(enet_synth_stem_w_id, 11);
    cr_assert_float_eq(v, want, 1e-4);
    release(&c);
}

Test(convert_enet, name_from_file_must_agree_with_the_graph)
{
    enet_synth_opts o = {.n_scores = 8, .trans_b = 1};
    converted c;
    convert(&o, "enet_b2_8.onnx", EMW_F32, &c); /* a B0 graph under a B2 name */
    cr_assert_eq(c.st, EMOC_OK, "%s", c.err.msg);
    cr_assert_str_eq(meta_str(&c.f, "emoc.name"), "efficientnet_b0_8");
    release(&c);
}

Test(convert_enet, stride2_conv_without_pad_is_named)
{
    enet_synth_opts o = {.n_scores = 8, .trans_b = 1, .drop_pad_stage = 3};
    converted c;
    convert(&o, "x.onnx", EMW_F32, &c);
    cr_assert_eq(c.st, EMOC_E_UNSUPPORTED);
    cr_assert(strstr(c.err.msg, "(Conv): a stride-2 conv must pad TF-SAME"), "%s", c.err.msg);
    release(&c);
}

Test(convert_enet, softmax_after_gemm_is_refused)
{
    enet_synth_opts o = {.n_scores = 8, .trans_b = 1, .softmax_tail = 1};
    converted c;
    convert(&o, "x.onnx", EMW_F32, &c);
    cr_assert_eq(c.st, EMOC_E_UNSUPPORTED);
    cr_assert(strstr(c.err.msg, "(Softmax) follows the final Gemm"), "%s", c.err.msg);
    release(&c);
}
