/*
 * mobilevit.c — MobileViTv2-1.5 as timm's mobilevitv2_150 (EmotiEffLib's mobilevit_va_mtl;
 * spec docs/mobilevit.md). BatchNorm is folded into every conv by the converter; conv_1x1 has
 * no bias. Act SiLU; GroupNorm one group, eps from the file (1e-5).
 *
 *   input 224×224×3
 *   stem     conv 3×3/s2 p1, 3→48, SiLU                                         → 112
 *   stage 0  bottleneck  48→96   mid 96   s1                                     @ 112
 *   stage 1  bottleneck  96→192  mid 192  s2; bottleneck 192→192 mid 384 +skip   @ 56
 *   stage 2  bottleneck 192→384  mid 384  s2; MobileViTv2 C 384 d 192, 2 layers  @ 28
 *   stage 3  bottleneck 384→576  mid 768  s2; MobileViTv2 C 576 d 288, 4 layers  @ 14
 *   stage 4  bottleneck 576→768  mid 1152 s2; MobileViTv2 C 768 d 384, 3 layers  @ 7 → 8
 *   head     GAP (over 8×8) → fc 768 → n_scores
 *
 * bottleneck: 1×1 in→mid SiLU · dw 3×3 (stride s, pad 1) SiLU · 1×1 mid→out (no act),
 *             + input only when s = 1 and in = out (no projection shortcut).
 * MobileViTv2 block: [bilinear align_corners resize up to even H, W — 7×7 → 8×8 at 224, and
 *             the block output stays 8×8] · dw 3×3 SiLU (conv_kxk) · 1×1 C→d, no bias
 *             (conv_1x1) · L × transformer · GroupNorm (norm) · 1×1 d→C (conv_proj, no act).
 *             No shortcut around the block. The 2×2 unfold/fold is an index mapping done
 *             inside the attention op: nothing is moved.
 * transformer layer (pre-norm): x += out_proj(attn(qkv_proj(GN1(x))));
 *             x += fc2(SiLU(fc1(GN2(x)))), fc1 d→2d.
 */
#include "engine/ops/mobilevit.h"
#include "nets/nets.h"

#include <stdio.h>
#include <string.h>

typedef struct mvit_stage {
    int reps;          /* bottlenecks */
    int out, stride;
    int depth;         /* transformer layers of the MobileViTv2 block; 0 = none */
} mvit_stage;

static const int STEM = 48;
static const mvit_stage STAGES[5] = {
    {1, 96, 1, 0}, {2, 192, 2, 0}, {1, 384, 2, 2}, {1, 576, 2, 4}, {1, 768, 2, 3},
};
static const int BOTTLE_RATIO = 2;   /* mid = in · 2 */

typedef struct names {
    char node[96], w[96], b[96];
} names;

static names nm(const char *prefix, const char *part)
{
    names n;
    snprintf(n.node, sizeof n.node, "%s.%s", prefix, part);
    snprintf(n.w, sizeof n.w, "%s.%s.weight", prefix, part);
    snprintf(n.b, sizeof n.b, "%s.%s.bias", prefix, part);
    return n;
}

static int dw3x3(emoc_pb *b, const char *prefix, const char *part, int x, int stride)
{
    names n = nm(prefix, part);
    emoc_conv_desc d = {.kh = 3, .kw = 3, .sh = stride, .sw = stride,
                        .pad_mode = EMOC_PAD_SYMMETRIC, .pads = {1, 1}, .groups = 1,
                        .act = EMOC_ACT_SILU};
    return emoc_pb_dwconv(b, n.node, x, 0, -1, n.w, n.b, &d);
}

static int pw(emoc_pb *b, const char *prefix, const char *part, int x, emoc_act act, int skip,
              int has_bias)
{
    names n = nm(prefix, part);
    return emoc_pb_pwconv(b, n.node, x, n.w, has_bias ? n.b : NULL, act, NULL, -1, skip);
}

static int groupnorm(emoc_pb *b, const char *prefix, const char *part, int x, float eps)
{
    names n = nm(prefix, part);
    return emoc_op_groupnorm1(b, n.node, x, n.w, n.b, eps);
}

static int bottleneck(emoc_pb *b, const char *prefix, int x, int out, int stride)
{
    int in = emoc_pb_c(b, x);
    int skip = stride == 1 && in == out ? x : -1;
    int h = pw(b, prefix, "conv1_1x1", x, EMOC_ACT_SILU, -1, 1);
    if (!emoc_pb_failed(b) && emoc_pb_c(b, h) != in * BOTTLE_RATIO)
        emoc_pb_fail(b, EMOC_E_SHAPE, "%s: conv1_1x1 gives %d channels, expected %d·%d", prefix,
                     emoc_pb_c(b, h), in, BOTTLE_RATIO);
    h = dw3x3(b, prefix, "conv2_kxk", h, stride);
    h = pw(b, prefix, "conv3_1x1", h, EMOC_ACT_NONE, skip, 1);
    if (!emoc_pb_failed(b) && emoc_pb_c(b, h) != out)
        emoc_pb_fail(b, EMOC_E_SHAPE, "%s: gives %d channels, the MobileViTv2 table says %d",
                     prefix, emoc_pb_c(b, h), out);
    return h;
}

static int transformer_layer(emoc_pb *b, const char *prefix, int x, float eps)
{
    char node[96];
    int h = groupnorm(b, prefix, "norm1", x, eps);
    h = pw(b, prefix, "attn.qkv_proj", h, EMOC_ACT_NONE, -1, 1);
    snprintf(node, sizeof node, "%s.attn", prefix);
    h = emoc_op_linattn(b, node, h);
    x = pw(b, prefix, "attn.out_proj", h, EMOC_ACT_NONE, x, 1);
    h = groupnorm(b, prefix, "norm2", x, eps);
    h = pw(b, prefix, "mlp.fc1", h, EMOC_ACT_SILU, -1, 1);
    return pw(b, prefix, "mlp.fc2", h, EMOC_ACT_NONE, x, 1);
}

static int mobilevit_block(emoc_pb *b, const char *prefix, int x, int depth, float eps)
{
    char node[96];
    int H = emoc_pb_h(b, x), W = emoc_pb_w(b, x);
    if (H % 2 || W % 2) { /* up to the next even size; the block output keeps it */
        snprintf(node, sizeof node, "%s.resize", prefix);
        x = emoc_op_resize_ac(b, node, x, H + H % 2, W + W % 2);
    }
    int C = emoc_pb_c(b, x);
    x = dw3x3(b, prefix, "conv_kxk", x, 1);
    names n = nm(prefix, "conv_1x1");
    x = emoc_pb_pwconv(b, n.node, x, n.w, NULL, EMOC_ACT_NONE, NULL, -1, -1);
    for (int l = 0; l < depth; l++) {
        char layer[64];
        snprintf(layer, sizeof layer, "%s.transformer.%d", prefix, l);
        x = transformer_layer(b, layer, x, eps);
    }
    x = groupnorm(b, prefix, "norm", x, eps);
    x = pw(b, prefix, "conv_proj", x, EMOC_ACT_NONE, -1, 1);
    if (!emoc_pb_failed(b) && emoc_pb_c(b, x) != C)
        emoc_pb_fail(b, EMOC_E_SHAPE, "%s: conv_proj gives %d channels, expected %d", prefix,
                     emoc_pb_c(b, x), C);
    return x;
}

emoc_status emoc_net_build_mobilevit(emoc_pb *b, const emw_file *f)
{
    const emw_meta *vm = emw_find_meta(f, "emoc.variant");
    const emw_meta *sm = emw_find_meta(f, "input.size");
    const emw_meta *em = emw_find_meta(f, "mobilevit.groupnorm_eps");
    if (!vm || vm->type != EMW_T_STR || strcmp(vm->str, "v2_150")) {
        emoc_pb_fail(b, EMOC_E_UNSUPPORTED, "mobilevit: emoc.variant '%s' is not v2_150",
                     vm && vm->type == EMW_T_STR ? vm->str : "(absent)");
        return EMOC_E_UNSUPPORTED;
    }
    if (!sm || sm->type != EMW_T_I64 || sm->i64 < 32 || sm->i64 > 1024) {
        emoc_pb_fail(b, EMOC_E_UNSUPPORTED, "mobilevit: input.size must be in [32, 1024]");
        return EMOC_E_UNSUPPORTED;
    }
    if (!em || em->type != EMW_T_F64 || !(em->f64 > 0 && em->f64 < 1)) {
        emoc_pb_fail(b, EMOC_E_UNSUPPORTED, "mobilevit: mobilevit.groupnorm_eps must be a "
                     "number in (0, 1)");
        return EMOC_E_UNSUPPORTED;
    }
    int S = (int)sm->i64;
    float eps = (float)em->f64;

    int x = emoc_pb_input(b, S, S, 3);
    emoc_conv_desc stem = {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .pad_mode = EMOC_PAD_SYMMETRIC,
                           .pads = {1, 1}, .groups = 1, .act = EMOC_ACT_SILU};
    x = emoc_pb_conv2d(b, "stem.conv", x, "stem.conv.weight", "stem.conv.bias", &stem);
    if (!emoc_pb_failed(b) && emoc_pb_c(b, x) != STEM)
        emoc_pb_fail(b, EMOC_E_SHAPE, "stem gives %d channels, expected %d", emoc_pb_c(b, x),
                     STEM);
    for (int s = 0; s < 5; s++) {
        const mvit_stage *st = &STAGES[s];
        char prefix[32];
        for (int r = 0; r < st->reps; r++) {
            snprintf(prefix, sizeof prefix, "stages.%d.%d", s, r);
            x = bottleneck(b, prefix, x, st->out, r == 0 ? st->stride : 1);
        }
        if (st->depth) {
            snprintf(prefix, sizeof prefix, "stages.%d.%d", s, st->reps);
            x = mobilevit_block(b, prefix, x, st->depth, eps);
        }
    }
    int emb = emoc_pb_gap(b, "head.global_pool", x);
    int scores = emoc_pb_linear(b, "head.fc", emb, "head.fc.weight", "head.fc.bias",
                                EMOC_ACT_NONE);
    emoc_pb_set_outputs(b, scores, emb);
    return emoc_pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
