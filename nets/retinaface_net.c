/*
 * retinaface_net.c — the RetinaFace-MobileNet0.25 network as a plan for one input size
 * (docs/detectors.md §2; upstream models/net.py + models/retinaface.py of Pytorch_Retinaface).
 * Every conv carries its folded BatchNorm as a bias (weights/convert_pth_retinaface.c).
 *
 *   body   MobileNetV1 ×0.25: conv 3×3/s2 3→8, then 13 depthwise-separable blocks (dw 3×3 +
 *          pw 1×1); stage1 (→64 ch, stride 8), stage2 (→128, /16), stage3 (→256, /32)
 *   fpn    1×1 lateral convs to 64 ch; out2 = merge2(out2 + nearest(out3)),
 *          out1 = merge1(out1 + nearest(out2)) (3×3 convs)
 *   ssh    per level: cat(conv3X3, conv5X5_2(conv5X5_1), conv7x7_3(conv7X7_2(conv5X5_1))) → ReLU
 *          (the ReLU is applied by each of the three convs: ReLU(cat) = cat(ReLU))
 *   heads  per level one fused 1×1 conv of 32 outputs (box 8, class 4, landmark 20), NHWC: pixel
 *          (y, x) anchor a is prior index base + (y·W + x)·2 + a, as upstream's permute + view.
 * Activation after every conv except the SSH branch ends and the heads: LeakyReLU(0.1) (a PReLU
 * with the converter's constant slope tensors) for the 0.25 network, ReLU for retinaface_1mb.
 * Outputs: 0, 1 and extra output 2 = the heads of levels 0, 1, 2.
 */
#include "nets/retinaface.h"

#include "engine/ops/fpn.h"

#include <stdio.h>

static emoc_act act_of(const rf_plan_args *u, char *slope, const char **slope_name)
{
    *slope_name = u->leaky ? slope : NULL;
    return u->leaky ? EMOC_ACT_PRELU : EMOC_ACT_RELU;
}

/* Conv 3×3 (stride s, pad 1) named P.0 with activation (slope P.2.weight) or none / ReLU. */
static int conv3(emoc_pb *b, const rf_plan_args *u, int x, const char *p, int stride, int mode)
{
    char w[96], bs[96], sl[96];
    snprintf(w, sizeof w, "%s.0.weight", p);
    snprintf(bs, sizeof bs, "%s.0.bias", p);
    snprintf(sl, sizeof sl, "%s.2.weight", p);
    emoc_conv_desc d = {.kh = 3, .kw = 3, .sh = stride, .sw = stride,
                        .pad_mode = EMOC_PAD_SYMMETRIC, .pads = {1, 1}, .groups = 1};
    if (mode == RF_ACT) d.act = act_of(u, sl, &d.slope);
    else d.act = mode == RF_RELU ? EMOC_ACT_RELU : EMOC_ACT_NONE;
    return emoc__pb_conv2d(b, p, x, w, bs, &d);
}

/* conv_dw: depthwise 3×3 P.0 (+ act P.2), pointwise P.3 (+ act P.5). */
static int conv_dw(emoc_pb *b, const rf_plan_args *u, int x, const char *p, int stride)
{
    char w[96], bs[96], sl[96], node[96];
    const char *slope;
    snprintf(w, sizeof w, "%s.0.weight", p);
    snprintf(bs, sizeof bs, "%s.0.bias", p);
    snprintf(sl, sizeof sl, "%s.2.weight", p);
    snprintf(node, sizeof node, "%s.0", p);
    emoc_conv_desc d = {.kh = 3, .kw = 3, .sh = stride, .sw = stride,
                        .pad_mode = EMOC_PAD_SYMMETRIC, .pads = {1, 1}};
    d.act = act_of(u, sl, &d.slope);
    x = emoc__pb_dwconv(b, node, x, 0, -1, w, bs, &d);
    snprintf(w, sizeof w, "%s.3.weight", p);
    snprintf(bs, sizeof bs, "%s.3.bias", p);
    snprintf(sl, sizeof sl, "%s.5.weight", p);
    snprintf(node, sizeof node, "%s.3", p);
    emoc_act a = act_of(u, sl, &slope);
    return emoc__pb_pwconv(b, node, x, w, bs, a, slope, -1, -1);
}

/* conv_bn1X1 P.0 with activation P.2 (FPN laterals). */
static int conv1(emoc_pb *b, const rf_plan_args *u, int x, const char *p)
{
    char w[96], bs[96], sl[96];
    const char *slope;
    snprintf(w, sizeof w, "%s.0.weight", p);
    snprintf(bs, sizeof bs, "%s.0.bias", p);
    snprintf(sl, sizeof sl, "%s.2.weight", p);
    emoc_act a = act_of(u, sl, &slope);
    return emoc__pb_pwconv(b, p, x, w, bs, a, slope, -1, -1);
}

static int ssh(emoc_pb *b, const rf_plan_args *u, int x, int k)
{
    char p[5][48];
    static const char *const NAMES[5] = {"conv3X3", "conv5X5_1", "conv5X5_2", "conv7X7_2",
                                         "conv7x7_3"};
    for (int j = 0; j < 5; j++) snprintf(p[j], sizeof p[j], "ssh%d.%s", k, NAMES[j]);
    int a = conv3(b, u, x, p[0], 1, RF_RELU);
    int c5_1 = conv3(b, u, x, p[1], 1, RF_ACT);
    int c5 = conv3(b, u, c5_1, p[2], 1, RF_RELU);
    int c7_2 = conv3(b, u, c5_1, p[3], 1, RF_ACT);
    int c7 = conv3(b, u, c7_2, p[4], 1, RF_RELU);
    char node[16];
    snprintf(node, sizeof node, "ssh%d.cat", k);
    int ins[3] = {a, c5, c7};
    return emoc__op_concat(b, node, ins, 3);
}

emoc_status rf_build_plan(emoc_pb *b, const emw_file *f)
{
    (void)f;
    const rf_plan_args *u = emoc__pb_user(b);
    int x = emoc__pb_input(b, u->h, u->w, 3);
    x = conv3(b, u, x, "body.stage1.0", 2, RF_ACT);
    static const int STAGE_BLOCKS[3] = {6, 6, 2};
    static const int STRIDE2[3][6] = {{0, 0, 1, 0, 1, 0}, {1, 0, 0, 0, 0, 0}, {1, 0}};
    int stage_out[3];
    char p[48];
    for (int s = 0; s < 3; s++) {
        for (int j = s == 0 ? 1 : 0; j < STAGE_BLOCKS[s]; j++) {
            snprintf(p, sizeof p, "body.stage%d.%d", s + 1, j);
            x = conv_dw(b, u, x, p, STRIDE2[s][j] ? 2 : 1);
        }
        stage_out[s] = x;
    }
    int o1 = conv1(b, u, stage_out[0], "fpn.output1");
    int o2 = conv1(b, u, stage_out[1], "fpn.output2");
    int o3 = conv1(b, u, stage_out[2], "fpn.output3");
    o2 = conv3(b, u, emoc__op_upsample_add(b, "fpn.up3", o2, o3), "fpn.merge2", 1, RF_ACT);
    o1 = conv3(b, u, emoc__op_upsample_add(b, "fpn.up2", o1, o2), "fpn.merge1", 1, RF_ACT);
    int feat[3] = {ssh(b, u, o1, 1), ssh(b, u, o2, 2), ssh(b, u, o3, 3)};
    int head[3];
    for (int k = 0; k < 3; k++) {
        char w[32], bs[32], node[16];
        snprintf(w, sizeof w, "heads.%d.weight", k);
        snprintf(bs, sizeof bs, "heads.%d.bias", k);
        snprintf(node, sizeof node, "heads.%d", k);
        head[k] = emoc__pb_pwconv(b, node, feat[k], w, bs, EMOC_ACT_NONE, NULL, -1, -1);
        if (!emoc__pb_failed(b) && emoc__pb_c(b, head[k]) != RF_HEAD_CH)
            emoc__pb_fail(b, EMOC_E_SHAPE, "tensor 'heads.%d.weight' has %d outputs, RetinaFace "
                         "needs %d (box 8, class 4, landmarks 20)", k, emoc__pb_c(b, head[k]),
                         RF_HEAD_CH);
    }
    emoc__pb_set_outputs(b, head[0], head[1]);
    emoc__pb_keep_output(b, head[2]);
    return emoc__pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
