/*
 * mtcnn_nets.c — the three MTCNN networks of facenet-pytorch (docs/detectors.md §1) as plans:
 * tensors "pnet.*", "rnet.*", "onet.*" under their state_dict names. PNet is fully
 * convolutional and is built once per pyramid level (its input size is the builder's user
 * argument); RNet and ONet take 24×24 and 48×48 crops. Softmax over the two class logits is
 * left to the caller (nets/mtcnn.c), which needs only the face probability.
 *
 *   PNet  conv3 3→10 PReLU, maxpool 2/2 ceil, conv3 10→16 PReLU, conv3 16→32 PReLU,
 *         heads 1×1: conv4_1 (2 logits), conv4_2 (4 box offsets)
 *   RNet  conv3 3→28 PReLU, pool 3/2 ceil, conv3 28→48 PReLU, pool 3/2 ceil, conv2 48→64 PReLU,
 *         flatten width-major (permute(0,3,2,1)), dense4 576→128 PReLU, dense5_1 (2), dense5_2 (4)
 *   ONet  conv3 3→32, pool 3/2, conv3 32→64, pool 3/2, conv3 64→64, pool 2/2, conv2 64→128 (all
 *         PReLU, pools ceil), flatten width-major, dense5 1152→256 PReLU, dense6_1 (2),
 *         dense6_2 (4), dense6_3 (10 landmark coordinates)
 * Outputs: 0 = class logits, 1 = box offsets, 2 = landmarks (ONet).
 */
#include "nets/mtcnn.h"

#include "engine/ops/maxpool.h"

#include <stdio.h>

static int conv(emoc_pb *b, const char *net, int x, const char *name, const char *prelu, int k)
{
    char w[64], bias[64], slope[64];
    snprintf(w, sizeof w, "%s.%s.weight", net, name);
    snprintf(bias, sizeof bias, "%s.%s.bias", net, name);
    snprintf(slope, sizeof slope, "%s.%s.weight", net, prelu ? prelu : "");
    emoc_conv_desc d = {.kh = k, .kw = k, .sh = 1, .sw = 1, .pad_mode = EMOC_PAD_SYMMETRIC,
                        .groups = 1, .act = prelu ? EMOC_ACT_PRELU : EMOC_ACT_NONE,
                        .slope = prelu ? slope : NULL};
    return emoc_pb_conv2d(b, name, x, w, bias, &d);
}

/* 1×1 conv / linear (weights [N][K] or [N][K][1][1]) with optional PReLU. */
static int dense(emoc_pb *b, const char *net, int x, const char *name, const char *prelu)
{
    char w[64], bias[64], slope[64];
    snprintf(w, sizeof w, "%s.%s.weight", net, name);
    snprintf(bias, sizeof bias, "%s.%s.bias", net, name);
    snprintf(slope, sizeof slope, "%s.%s.weight", net, prelu ? prelu : "");
    return emoc_pb_pwconv(b, name, x, w, bias, prelu ? EMOC_ACT_PRELU : EMOC_ACT_NONE,
                          prelu ? slope : NULL, -1, -1);
}

emoc_status emoc_mtcnn_build_pnet(emoc_pb *b, const emw_file *f)
{
    (void)f;
    const int *hw = emoc_pb_user(b);
    int x = emoc_pb_input(b, hw[0], hw[1], 3);
    x = conv(b, "pnet", x, "conv1", "prelu1", 3);
    x = emoc_op_maxpool_ceil(b, "pool1", x, 2, 2);
    x = conv(b, "pnet", x, "conv2", "prelu2", 3);
    x = conv(b, "pnet", x, "conv3", "prelu3", 3);
    int cls = dense(b, "pnet", x, "conv4_1", NULL);
    int reg = dense(b, "pnet", x, "conv4_2", NULL);
    emoc_pb_set_outputs(b, cls, reg);
    return emoc_pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}

emoc_status emoc_mtcnn_build_rnet(emoc_pb *b, const emw_file *f)
{
    (void)f;
    int x = emoc_pb_input(b, 24, 24, 3);
    x = conv(b, "rnet", x, "conv1", "prelu1", 3);
    x = emoc_op_maxpool_ceil(b, "pool1", x, 3, 2);
    x = conv(b, "rnet", x, "conv2", "prelu2", 3);
    x = emoc_op_maxpool_ceil(b, "pool2", x, 3, 2);
    x = conv(b, "rnet", x, "conv3", "prelu3", 2);
    x = emoc_op_flatten_wh(b, "flatten", x);
    x = dense(b, "rnet", x, "dense4", "prelu4");
    int cls = dense(b, "rnet", x, "dense5_1", NULL);
    int reg = dense(b, "rnet", x, "dense5_2", NULL);
    emoc_pb_set_outputs(b, cls, reg);
    return emoc_pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}

emoc_status emoc_mtcnn_build_onet(emoc_pb *b, const emw_file *f)
{
    (void)f;
    int x = emoc_pb_input(b, 48, 48, 3);
    x = conv(b, "onet", x, "conv1", "prelu1", 3);
    x = emoc_op_maxpool_ceil(b, "pool1", x, 3, 2);
    x = conv(b, "onet", x, "conv2", "prelu2", 3);
    x = emoc_op_maxpool_ceil(b, "pool2", x, 3, 2);
    x = conv(b, "onet", x, "conv3", "prelu3", 3);
    x = emoc_op_maxpool_ceil(b, "pool3", x, 2, 2);
    x = conv(b, "onet", x, "conv4", "prelu4", 2);
    x = emoc_op_flatten_wh(b, "flatten", x);
    x = dense(b, "onet", x, "dense5", "prelu5");
    int cls = dense(b, "onet", x, "dense6_1", NULL);
    int reg = dense(b, "onet", x, "dense6_2", NULL);
    int lm = dense(b, "onet", x, "dense6_3", NULL);
    emoc_pb_set_outputs(b, cls, reg);
    emoc_pb_keep_output(b, lm);
    return emoc_pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
