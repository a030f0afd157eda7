/*
 * mobilefacenet.c — MobileFaceNet as EmotiEffLib's mbf_va_mtl (insightface get_mbf: blocks
 * 1,4,6,2, width 128, 512 features) + fc Linear(512,10) (spec §2.2). All BatchNorms are folded
 * at conversion, so every conv carries a bias; PReLU slopes are per channel.
 *
 *   L0 conv 3×3/s2 3→128 PReLU · L1 grouped conv 3×3 (64 groups of 2) PReLU
 *   L2,L4,L6 DepthWise (1×1 PReLU · dw 3×3/s2 PReLU · 1×1 linear); L3,L5,L7 Residual ×4/6/2
 *   (same with stride 1, + input) · conv_sep 1×1 256→512 PReLU · GDC dw 7×7 valid (linear)
 *   · Linear 512→512 with BatchNorm1d folded = embedding · fc 512→10 = scores.
 * A backbone converted without fc (insightface distribution) outputs its 512-d embedding as
 * the scores.
 */
#include "nets/mobilefacenet.h"
#include "nets/nets.h"

#include <stdio.h>

static const char *nm(char *buf, size_t cap, const char *fmt, const char *p, const char *suffix)
{
    snprintf(buf, cap, fmt, p, suffix);
    return buf;
}

/* ConvBlock P as a conv2d (stem / grouped): weight P.layers.0.*, slope P.layers.2.weight. */
static int conv_block(emoc_pb *b, int x, const char *p, int stride, int groups)
{
    char w[160], bs[160], sl[160];
    emoc_conv_desc d = {.kh = 3, .kw = 3, .sh = stride, .sw = stride,
                        .pad_mode = EMOC_PAD_SYMMETRIC, .pads = {1, 1}, .groups = groups,
                        .act = EMOC_ACT_PRELU,
                        .slope = nm(sl, sizeof sl, "%s.layers.2%s", p, ".weight")};
    return emoc__pb_conv2d(b, p, x, nm(w, sizeof w, "%s.layers.0%s", p, ".weight"),
                          nm(bs, sizeof bs, "%s.layers.0%s", p, ".bias"), &d);
}

/* 1×1 ConvBlock (PReLU) or LinearBlock (no activation) P. */
static int pw_block(emoc_pb *b, int x, const char *p, int prelu, int residual)
{
    char w[160], bs[160], sl[160];
    return emoc__pb_pwconv(b, p, x, nm(w, sizeof w, "%s.layers.0%s", p, ".weight"),
                          nm(bs, sizeof bs, "%s.layers.0%s", p, ".bias"),
                          prelu ? EMOC_ACT_PRELU : EMOC_ACT_NONE,
                          prelu ? nm(sl, sizeof sl, "%s.layers.2%s", p, ".weight") : NULL, -1,
                          residual);
}

/* DepthWise P: 1×1 expand · dw 3×3 · 1×1 project (+ x when residual). */
static int depth_wise(emoc_pb *b, int x, const char *p, int stride, int residual)
{
    char k[160], w[256], bs[256], sl[256];
    int t = pw_block(b, x, nm(k, sizeof k, "%s.layers.0%s", p, ""), 1, -1);
    nm(k, sizeof k, "%s.layers.1%s", p, "");
    emoc_conv_desc d = {.kh = 3, .kw = 3, .sh = stride, .sw = stride,
                        .pad_mode = EMOC_PAD_SYMMETRIC, .pads = {1, 1}, .act = EMOC_ACT_PRELU,
                        .slope = nm(sl, sizeof sl, "%s.layers.2%s", k, ".weight")};
    t = emoc__pb_dwconv(b, k, t, 0, -1, nm(w, sizeof w, "%s.layers.0%s", k, ".weight"),
                       nm(bs, sizeof bs, "%s.layers.0%s", k, ".bias"), &d);
    return pw_block(b, t, nm(k, sizeof k, "%s.layers.2%s", p, ""), 0, residual ? x : -1);
}

/* The trunk's stages: the net's description (nets/mobilefacenet.h), also read by the ONNX
 * matcher and the checkpoint mapping in weights/. */
const emoc__mbf_stage emoc__mbf_stages[EMOC__MBF_STAGES] = {
    {2, 4, 128, 128, 128}, {4, 6, 128, 256, 256}, {6, 2, 256, 512, 256}};

static int has_tensor(const emw_file *f, const char *name) { return emw_find_tensor(f, name) != NULL; }

emoc_status emoc__net_build_mobilefacenet(emoc_pb *b, const emw_file *f)
{
    int x = emoc__pb_input(b, EMOC__MBF_SIZE, EMOC__MBF_SIZE, 3);
    x = conv_block(b, x, "features.layers.0", 2, 1);
    x = conv_block(b, x, "features.layers.1", 1, 64);
    char p[96];
    for (int stage = 0; stage < EMOC__MBF_STAGES; stage++) {
        const emoc__mbf_stage *st = &emoc__mbf_stages[stage];
        snprintf(p, sizeof p, "features.layers.%d", st->index);
        x = depth_wise(b, x, p, 2, 0);
        for (int j = 0; j < st->blocks; j++) {
            snprintf(p, sizeof p, "features.layers.%d.layers.%d", st->index + 1, j);
            x = depth_wise(b, x, p, 1, 1);
        }
    }
    x = pw_block(b, x, "features.conv_sep", 1, -1);
    emoc_conv_desc gdc = {.kh = 7, .kw = 7, .sh = 1, .sw = 1, .pad_mode = EMOC_PAD_SYMMETRIC,
                          .act = EMOC_ACT_NONE};
    x = emoc__pb_dwconv(b, "features.features.layers.0", x, 0, -1,
                       "features.features.layers.0.layers.0.weight",
                       "features.features.layers.0.layers.0.bias", &gdc);
    int emb = emoc__pb_linear(b, "features.features.layers.2", x,
                             "features.features.layers.2.weight",
                             "features.features.layers.2.bias", EMOC_ACT_NONE);
    int scores = emb;
    if (has_tensor(f, "fc.weight"))
        scores = emoc__pb_linear(b, "fc", emb, "fc.weight", "fc.bias", EMOC_ACT_NONE);
    emoc__pb_set_outputs(b, scores, emb);
    return emoc__pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
