/*
 * convert_pth_retinaface.c — RetinaFace-MobileNet0.25 state_dict (biubug6/Pytorch_Retinaface,
 * mobilenet0.25_Final.pth, docs/detectors.md §2) → detector EMW.
 *
 * Every conv + BatchNorm pair is folded (eps 1e-5, in double) and written under the conv's
 * upstream name ("body.stage1.1.3.weight/.bias"); the three heads of each level are fused into
 * one 1×1 conv "heads.<level>" (32 outputs: 8 box, 4 class, 20 landmark values, 2 anchors each). The LeakyReLU(0.1) of the
 * 0.25 network is written as a per-channel slope tensor "<sequence>.<index>.weight" filled with
 * 0.1, so the net runs it as a PReLU (identical arithmetic: x ≥ 0 ? x : 0.1·x).
 *
 * Variant "retinaface_1mb" (only when the user asks: `emoc convert --arch retinaface_1mb`) is
 * biubug6/Face-Detector-1MB-with-landmark's file of the same name and tensor names: plain ReLU
 * everywhere (no slope tensors), priors min_sizes [[10,20],[32,64],[128,256]].
 * Metadata carries what the detector needs: priors (min sizes, steps), variances, the BGR mean
 * and the post-processing constants of upstream detect.py.
 */
#include "weights/convert.h"
#include "weights/pth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Folds conv P.<i> with BN P.<i+1>; writes the LeakyReLU slope P.<i+2>.weight when leaky. */
static void conv_bn_act(emoc__pthc *c, const char *p, int i, int act, int leaky, int64_t ch)
{
    char conv[200], bn[200];
    emoc__pthc_fmt(conv, sizeof conv, "%s.%d", p, i);
    emoc__pthc_fmt(bn, sizeof bn, "%s.%d", p, i + 1);
    emoc__pthc_conv_bn(c, conv, bn);
    if (!act || !leaky || c->st) return;
    float *s = malloc((size_t)ch * sizeof *s);
    if (!s) {
        c->st = EMOC_E_NOMEM;
        if (c->err) emoc__pthc_fmt(c->err->msg, sizeof c->err->msg, "convert: out of memory");
        return;
    }
    for (int64_t k = 0; k < ch; k++) s[k] = 0.1f;
    char name[200];
    emoc__pthc_fmt(name, sizeof name, "%s%s.%d.weight", c->dst_prefix, p, i + 2);
    c->st = emoc__convert_add_tensor(c->w, c->opts, name, 1, &ch, s, c->err);
    free(s);
}

static int64_t out_channels(emoc__pthc *c, const char *p, int i)
{
    char k[200];
    emoc__pthc_fmt(k, sizeof k, "%s.%d.weight", p, i);
    const emoc_pth_tensor *t = emoc__pthc_get(c, k, 4, (int64_t[4]){-1, -1, -1, -1});
    return t ? t->dims[0] : 0;
}

static void backbone(emoc__pthc *c, int leaky)
{
    static const int blocks[3] = {6, 6, 2};
    char p[64];
    for (int s = 0; s < 3; s++) {
        for (int b = 0; b < blocks[s]; b++) {
            emoc__pthc_fmt(p, sizeof p, "body.stage%d.%d", s + 1, b);
            if (s == 0 && b == 0) { /* conv_bn(3, 8, 2) */
                conv_bn_act(c, p, 0, 1, leaky, out_channels(c, p, 0));
                continue;
            }
            conv_bn_act(c, p, 0, 1, leaky, out_channels(c, p, 0)); /* depthwise */
            conv_bn_act(c, p, 3, 1, leaky, out_channels(c, p, 3)); /* pointwise */
        }
    }
}

/* The three 1×1 heads of level k fused into one conv "heads.k" of 32 outputs: BboxHead (2
 * anchors × 4), ClassHead (2 × 2), LandmarkHead (2 × 10), each in its own channel order. */
static void heads(emoc__pthc *c, int k)
{
    static const struct { const char *name; int n; } H[3] = {
        {"BboxHead", 8}, {"ClassHead", 4}, {"LandmarkHead", 20}};
    const emoc_pth_tensor *w[3], *b[3];
    char name[96];
    int64_t cin = -1;
    for (int h = 0; h < 3; h++) {
        emoc__pthc_fmt(name, sizeof name, "%s.%d.conv1x1.weight", H[h].name, k);
        w[h] = emoc__pthc_get(c, name, 4, (int64_t[4]){H[h].n, cin, 1, 1});
        if (!w[h]) return;
        cin = w[h]->dims[1];
        emoc__pthc_fmt(name, sizeof name, "%s.%d.conv1x1.bias", H[h].name, k);
        b[h] = emoc__pthc_get(c, name, 1, (int64_t[1]){H[h].n});
        if (!b[h]) return;
    }
    float wf[32 * 256], bf[32];
    if (cin > 256) {
        c->st = EMOC_E_SHAPE;
        if (c->err) emoc__pthc_fmt(c->err->msg, sizeof c->err->msg, "checkpoint: heads of "
                                   "level %d read %lld channels (64 expected)", k, (long long)cin);
        return;
    }
    int o = 0;
    for (int h = 0; h < 3; h++)
        for (int j = 0; j < H[h].n; j++, o++) {
            memcpy(wf + (size_t)o * (size_t)cin, w[h]->data + (size_t)j * (size_t)cin,
                   (size_t)cin * sizeof(float));
            bf[o] = b[h]->data[j];
        }
    int64_t wd[4] = {32, cin, 1, 1}, bd[1] = {32};
    emoc__pthc_fmt(name, sizeof name, "%sheads.%d.weight", c->dst_prefix, k);
    c->st = emoc__convert_add_tensor(c->w, c->opts, name, 4, wd, wf, c->err);
    emoc__pthc_fmt(name, sizeof name, "%sheads.%d.bias", c->dst_prefix, k);
    if (!c->st) c->st = emoc__convert_add_tensor(c->w, c->opts, name, 1, bd, bf, c->err);
}

static void fpn_ssh_heads(emoc__pthc *c, int leaky)
{
    char p[64];
    for (int k = 1; k <= 3; k++) {
        emoc__pthc_fmt(p, sizeof p, "fpn.output%d", k);
        conv_bn_act(c, p, 0, 1, leaky, out_channels(c, p, 0));
    }
    for (int k = 1; k <= 2; k++) {
        emoc__pthc_fmt(p, sizeof p, "fpn.merge%d", k);
        conv_bn_act(c, p, 0, 1, leaky, out_channels(c, p, 0));
    }
    static const struct { const char *name; int act; } SSH[5] = {
        {"conv3X3", 0}, {"conv5X5_1", 1}, {"conv5X5_2", 0}, {"conv7X7_2", 1}, {"conv7x7_3", 0}};
    for (int k = 1; k <= 3; k++)
        for (int j = 0; j < 5; j++) {
            emoc__pthc_fmt(p, sizeof p, "ssh%d.%s", k, SSH[j].name);
            conv_bn_act(c, p, 0, SSH[j].act, leaky, out_channels(c, p, 0));
        }
    for (int k = 0; k < 3; k++) heads(c, k);
}

static void meta(emoc__pthc *c, int is_1mb)
{
    static const int64_t MIN_025[6] = {16, 32, 64, 128, 256, 512};
    static const int64_t MIN_1MB[6] = {10, 20, 32, 64, 128, 256};
    static const int64_t STEPS[3] = {8, 16, 32};
    static const double VAR[2] = {0.1, 0.2}, MEAN_BGR[3] = {104.0, 117.0, 123.0};
    emw_writer *w = c->w;
    emoc_status st = emw_writer_meta_str(w, "emoc.arch", "retinaface");
    if (!st) st = emw_writer_meta_str(w, "emoc.task", "face_detection");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", is_1mb ? "retinaface_1mb" : "mobilenet0.25");
    if (!st) st = emw_writer_meta_str(w, "emoc.name", is_1mb ? "retinaface_1mb" : "retinaface");
    if (!st) st = emw_writer_meta_str(w, "input.color", "BGR");
    if (!st) st = emw_writer_meta_f64_array(w, "input.mean", MEAN_BGR, 3);
    if (!st) st = emw_writer_meta_str(w, "retinaface.activation", is_1mb ? "relu" : "leaky_relu_0.1");
    if (!st) st = emw_writer_meta_i64_array(w, "retinaface.min_sizes", is_1mb ? MIN_1MB : MIN_025, 6);
    if (!st) st = emw_writer_meta_i64_array(w, "retinaface.steps", STEPS, 3);
    if (!st) st = emw_writer_meta_f64_array(w, "retinaface.variance", VAR, 2);
    if (!st) st = emw_writer_meta_f64(w, "retinaface.confidence_threshold", 0.02);
    if (!st) st = emw_writer_meta_i64(w, "retinaface.top_k", 5000);
    if (!st) st = emw_writer_meta_f64(w, "retinaface.nms_threshold", 0.4);
    if (!st) st = emw_writer_meta_i64(w, "retinaface.keep_top_k", 750);
    if (!st) st = emw_writer_meta_f64(w, "retinaface.vis_threshold", 0.6);
    if (st) {
        c->st = st;
        if (c->err)
            emoc__pthc_fmt(c->err->msg, sizeof c->err->msg, "convert: metadata: %s",
                           emw_writer_error(w));
    }
}

int emoc__pth_is_retinaface(const emoc_pth_checkpoint *ck, const char *src_prefix)
{
    char k[128];
    snprintf(k, sizeof k, "%sbody.stage1.0.0.weight", src_prefix);
    if (!emoc_pth_find(ck, k)) return 0;
    snprintf(k, sizeof k, "%sLandmarkHead.0.conv1x1.weight", src_prefix);
    return emoc_pth_find(ck, k) != NULL;
}

emoc_status emoc__convert_pth_retinaface(emoc__pthc *c, int is_1mb)
{
    int leaky = !is_1mb;
    meta(c, is_1mb);
    backbone(c, leaky);
    fpn_ssh_heads(c, leaky);
    return c->st;
}
