/* test_post_head_io.c — MTL head EMW round trip and the refusals: another architecture,
 * a tensor of the wrong shape, features of another backbone's width. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emoc_abaw.h"
#include "engine/emw/emw.h"

static float *make_head(emoc_mtl_head *h, int e, int hid, const char *bb)
{
    size_t np = emoc_mtl_head_param_count(e, hid);
    float *p = malloc(np * sizeof(float));
    for (size_t i = 0; i < np; i++) p[i] = (float)((int)(i * 7919 % 1000) - 500) / 1000.0f;
    cr_assert_eq(emoc_mtl_head_view(h, e, hid, bb, p), EMOC_OK);
    return p;
}

static void tmpname(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/emoc_post_%s_%d.emw", tag, (int)getpid());
}

Test(post_head_io, round_trip_keeps_bits_and_backbone)
{
    emoc_mtl_head h, back;
    float *p = make_head(&h, 22, 16, "ddamfn");
    char path[128];
    tmpname(path, sizeof path, "rt");
    emoc_error err;
    cr_assert_eq(emoc_mtl_head_save_file(&h, path, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc_mtl_head_load_file(path, &back, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(back.in_dim, 32);
    cr_assert_eq(back.au_hidden, 16);
    cr_assert_str_eq(back.backbone, "ddamfn");
    cr_assert_eq(memcmp(back.owned, p, emoc_mtl_head_param_count(22, 16) * sizeof(float)), 0);
    float x[32], scr[16];
    for (int i = 0; i < 32; i++) x[i] = (float)i / 10.0f;
    double va1[2], ex1[8], au1[12], va2[2], ex2[8], au2[12];
    cr_assert_eq(emoc_mtl_head_forward(&h, x, 32, scr, va1, ex1, au1, NULL), EMOC_OK);
    cr_assert_eq(emoc_mtl_head_forward(&back, x, 32, scr, va2, ex2, au2, NULL), EMOC_OK);
    cr_assert(memcmp(va1, va2, sizeof va1) == 0 && memcmp(ex1, ex2, sizeof ex1) == 0 &&
              memcmp(au1, au2, sizeof au1) == 0);
    float wide[1290];
    memset(wide, 0, sizeof wide);
    cr_assert_eq(emoc_mtl_head_forward(&back, wide, 1290, scr, va2, ex2, au2, &err), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "ddamfn") && strstr(err.msg, "1290"), "%s", err.msg);
    emoc_mtl_head_release(&back);
    cr_assert_null(back.owned);
    unlink(path);
    free(p);
}

Test(post_head_io, refuses_other_arch_bad_shape_and_garbage)
{
    char path[128];
    tmpname(path, sizeof path, "bad");
    emoc_error err;
    emoc_mtl_head h;
    /* a network file that is not a head */
    emw_writer *w;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emw_writer_meta_str(w, "emoc.arch", "efficientnet");
    int64_t dims[1] = {4};
    float v[4] = {0};
    emw_writer_add_tensor(w, "x", EMW_F32, 1, dims, v);
    cr_assert_eq(emw_writer_save(w, path), EMOC_OK);
    emw_writer_free(w);
    cr_assert_eq(emoc_mtl_head_load_file(path, &h, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "efficientnet") && strstr(err.msg, path), "%s", err.msg);
    /* a head whose au2.kernel has the wrong shape */
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    const char *labels[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    emw_writer_meta_str(w, "emoc.arch", "mtl_head");
    emw_writer_meta_str(w, "emoc.variant", "enet_b0");
    emw_writer_meta_str(w, "emoc.name", "bad");
    emw_writer_meta_str(w, "converter.version", "test");
    emw_writer_meta_i64(w, "output.n_scores", 22);
    emw_writer_meta_i64(w, "output.n_classes", 8);
    emw_writer_meta_str_array(w, "output.labels", labels, 8);
    emw_writer_meta_i64(w, "output.valence_index", 8);
    emw_writer_meta_i64(w, "output.arousal_index", 9);
    emw_writer_meta_i64(w, "output.embedding_size", 14);
    emw_writer_meta_i64(w, "mtl_head.backbone_embedding", 4);
    emw_writer_meta_i64(w, "mtl_head.au_hidden", 3);
    float zeros[14 * 8] = {0};
    struct { const char *n; int r; int64_t d[2]; } t[8] = {
        {"expr.kernel", 2, {14, 8}}, {"expr.bias", 1, {8, 0}}, {"va.kernel", 2, {10, 2}},
        {"va.bias", 1, {2, 0}}, {"au1.kernel", 2, {14, 3}}, {"au1.bias", 1, {3, 0}},
        {"au2.kernel", 2, {3, 11}}, {"au2.bias", 1, {12, 0}}};
    for (int k = 0; k < 8; k++)
        cr_assert_eq(emw_writer_add_tensor(w, t[k].n, EMW_F32, t[k].r, t[k].d, zeros), EMOC_OK);
    cr_assert_eq(emw_writer_save(w, path), EMOC_OK);
    emw_writer_free(w);
    cr_assert_eq(emoc_mtl_head_load_file(path, &h, &err), EMOC_E_SHAPE, "%s", err.msg);
    cr_assert(strstr(err.msg, "au2.kernel") && strstr(err.msg, "[3,12]"), "%s", err.msg);
    /* not an EMW file at all */
    FILE *f = fopen(path, "wb");
    fputs("hello, this is not a weight file", f);
    fclose(f);
    cr_assert_neq(emoc_mtl_head_load_file(path, &h, &err), EMOC_OK);
    unlink(path);
}
