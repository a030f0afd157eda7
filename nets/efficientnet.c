/*
 * efficientnet.c — EfficientNet-B0 / B2 as timm's tf_efficientnet_b0_ns / b2_ns (the TF ports
 * EmotiEffLib fine-tuned; docs/models.md §1). BatchNorm is already folded into every conv's
 * weight and bias by the converter, so each conv below carries a bias.
 *
 *   input S×S×3                      (B0: S = 224, B2: S = 260)
 *   stem  conv 3×3/s2 TF-SAME, 3→32, SiLU                      224 → 112
 *   stage 0  DS block(s): dw 3×3 + SiLU → SE → pw 1×1          (B0: 1, B2: 2 blocks) → 16
 *   stages 1–6  IR blocks: pw 1×1 expand ×6 + SiLU → dw k×k + SiLU → SE → pwl 1×1 (+ skip)
 *              k 3,5,3,5,5,3; first stride 2,2,2,1,2,1; widths 24,40,80,112,192,320 (B0)
 *                                                                   24,48,88,120,208,352 (B2)
 *   head  conv 1×1 → 1280 (B0) / 1408 (B2), SiLU → GAP → linear → n_scores
 *
 * Padding trap (§1.2): only the stride-2 convs (stem + first dw of stages 1,2,3,5) pad TF-SAME
 * (extra pixel bottom/right); every stride-1 conv pads symmetrically k/2.
 * SE: squeeze = GAP, reduce = linear + SiLU, expand = linear + sigmoid; the gate multiplies the
 * input channels of the following 1×1 conv (pwconv scale_buf), which is SE followed by the conv.
 */
#include "nets/efficientnet.h"
#include "nets/nets.h"

#include <stdio.h>
#include <string.h>

/* ---- the description (also read by weights/convert_onnx_enet.c) ---------------------------- */

const emoc__enet_variant emoc__enet_variants[] = {
    {"b0", 224, 1280, {1, 2, 2, 3, 3, 4, 1}, {16, 24, 40, 80, 112, 192, 320}},
    {"b2", 260, 1408, {2, 3, 3, 4, 4, 5, 2}, {16, 24, 48, 88, 120, 208, 352}},
};
const int emoc__enet_n_variants = sizeof emoc__enet_variants / sizeof emoc__enet_variants[0];

static const int STAGE_K[EMOC__ENET_STAGES] = {3, 3, 5, 3, 5, 5, 3};
static const int STAGE_STRIDE[EMOC__ENET_STAGES] = {1, 2, 2, 2, 1, 2, 1};
static const int STAGE_EXPAND[EMOC__ENET_STAGES] = {1, 6, 6, 6, 6, 6, 6};

const emoc__enet_variant *emoc__enet_variant_find(const char *name)
{
    for (int i = 0; name && i < emoc__enet_n_variants; i++)
        if (!strcmp(name, emoc__enet_variants[i].name)) return &emoc__enet_variants[i];
    return NULL;
}

int emoc__enet_blocks(const emoc__enet_variant *v, emoc__enet_block *out)
{
    int n = 0, cin = EMOC__ENET_STEM;
    for (int s = 0; s < EMOC__ENET_STAGES; s++)
        for (int r = 0; r < v->reps[s] && n < EMOC__ENET_MAX_BLOCKS; r++) {
            emoc__enet_block *b = &out[n++];
            memset(b, 0, sizeof *b);
            b->stage = s;
            b->idx = r;
            b->k = STAGE_K[s];
            b->stride = r == 0 ? STAGE_STRIDE[s] : 1;
            b->expand = STAGE_EXPAND[s];
            b->cin = cin;
            b->mid = cin * STAGE_EXPAND[s];
            b->rd = (cin + 2) / 4; /* timm: SE width = make_divisible(cin · 0.25, 1) */
            b->cout = v->outs[s];
            b->skip = b->stride == 1 && cin == b->cout;
            cin = b->cout;
        }
    return n;
}

/* ---- the graph ------------------------------------------------------------------------------ */

static emoc_conv_desc dw_desc(int k, int stride)
{
    emoc_conv_desc d = {.kh = k, .kw = k, .sh = stride, .sw = stride, .groups = 1,
                        .act = EMOC_ACT_SILU};
    if (stride == 2) {
        d.pad_mode = EMOC_PAD_TF_SAME;
    } else {
        d.pad_mode = EMOC_PAD_SYMMETRIC;
        d.pads[0] = d.pads[1] = k / 2;
    }
    return d;
}

/* SE on `x`: returns the 1×1×C gate buffer. */
static int squeeze_excite(emoc_pb *b, const char *blk, int x)
{
    char node[64], w[64], bias[64];
    snprintf(node, sizeof node, "%s.se.squeeze", blk);
    int s = emoc__pb_gap(b, node, x);
    snprintf(node, sizeof node, "%s.se.reduce", blk);
    snprintf(w, sizeof w, "%s.se.conv_reduce.weight", blk);
    snprintf(bias, sizeof bias, "%s.se.conv_reduce.bias", blk);
    s = emoc__pb_linear(b, node, s, w, bias, EMOC_ACT_SILU);
    snprintf(node, sizeof node, "%s.se.expand", blk);
    snprintf(w, sizeof w, "%s.se.conv_expand.weight", blk);
    snprintf(bias, sizeof bias, "%s.se.conv_expand.bias", blk);
    return emoc__pb_linear(b, node, s, w, bias, EMOC_ACT_SIGMOID);
}

/* One block of the table; expand 1 = depthwise-separable (stage 0), 6 = inverted residual. */
static int block(emoc_pb *b, const emoc__enet_block *d_blk, int x)
{
    const int k = d_blk->k, stride = d_blk->stride, expand = d_blk->expand, cout = d_blk->cout;
    char blk[32], node[64], w[64], bias[64];
    snprintf(blk, sizeof blk, "blocks.%d.%d", d_blk->stage, d_blk->idx);
    int cin = emoc__pb_c(b, x);
    int h = x;
    if (expand != 1) { /* pw 1×1 expand + SiLU: cin → 6·cin */
        snprintf(node, sizeof node, "%s.pw", blk);
        snprintf(w, sizeof w, "%s.conv_pw.weight", blk);
        snprintf(bias, sizeof bias, "%s.conv_pw.bias", blk);
        h = emoc__pb_pwconv(b, node, x, w, bias, EMOC_ACT_SILU, NULL, -1, -1);
    }
    /* dw k×k + SiLU (TF-SAME when stride 2) */
    emoc_conv_desc d = dw_desc(k, stride);
    snprintf(node, sizeof node, "%s.dw", blk);
    snprintf(w, sizeof w, "%s.conv_dw.weight", blk);
    snprintf(bias, sizeof bias, "%s.conv_dw.bias", blk);
    h = emoc__pb_dwconv(b, node, h, 0, -1, w, bias, &d);
    int gate = squeeze_excite(b, blk, h);
    /* projection 1×1, no activation, SE gate on its input, + skip iff stride 1 and cin == cout */
    int skip = stride == 1 && cin == cout ? x : -1;
    const char *proj = expand == 1 ? "conv_pw" : "conv_pwl";
    snprintf(node, sizeof node, "%s.%s", blk, expand == 1 ? "pw" : "pwl");
    snprintf(w, sizeof w, "%s.%s.weight", blk, proj);
    snprintf(bias, sizeof bias, "%s.%s.bias", blk, proj);
    int y = emoc__pb_pwconv(b, node, h, w, bias, EMOC_ACT_NONE, NULL, gate, skip);
    if (!emoc__pb_failed(b) && emoc__pb_c(b, y) != cout)
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: projection gives %d channels, %s expects %d", blk,
                     emoc__pb_c(b, y), "the EfficientNet table", cout);
    return y;
}

emoc_status emoc__net_build_efficientnet(emoc_pb *b, const emw_file *f)
{
    const emw_meta *vm = emw_find_meta(f, "emoc.variant");
    const emw_meta *sm = emw_find_meta(f, "input.size");
    const emoc__enet_variant *v = vm && vm->type == EMW_T_STR ? emoc__enet_variant_find(vm->str) : NULL;
    if (!v) {
        emoc__pb_fail(b, EMOC_E_UNSUPPORTED, "efficientnet: emoc.variant '%s' is not b0 or b2",
                     vm && vm->type == EMW_T_STR ? vm->str : "(absent)");
        return EMOC_E_UNSUPPORTED;
    }
    if (!sm || sm->type != EMW_T_I64 || sm->i64 < 32 || sm->i64 > 1024) {
        emoc__pb_fail(b, EMOC_E_UNSUPPORTED, "efficientnet: input.size must be in [32, 1024]");
        return EMOC_E_UNSUPPORTED;
    }
    int S = (int)sm->i64;

    int x = emoc__pb_input(b, S, S, 3);
    emoc_conv_desc stem = {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .pad_mode = EMOC_PAD_TF_SAME,
                           .groups = 1, .act = EMOC_ACT_SILU};
    x = emoc__pb_conv2d(b, "conv_stem", x, "conv_stem.weight", "conv_stem.bias", &stem);

    emoc__enet_block blocks[EMOC__ENET_MAX_BLOCKS];
    int n_blocks = emoc__enet_blocks(v, blocks);
    for (int i = 0; i < n_blocks; i++) x = block(b, &blocks[i], x);

    x = emoc__pb_pwconv(b, "conv_head", x, "conv_head.weight", "conv_head.bias", EMOC_ACT_SILU,
                       NULL, -1, -1);
    if (!emoc__pb_failed(b) && emoc__pb_c(b, x) != v->head)
        emoc__pb_fail(b, EMOC_E_SHAPE, "conv_head has %d outputs; EfficientNet-%s has %d",
                     emoc__pb_c(b, x), v->name, v->head);
    int emb = emoc__pb_gap(b, "global_pool", x);
    int scores = emoc__pb_linear(b, "classifier", emb, "classifier.weight", "classifier.bias",
                                EMOC_ACT_NONE);
    emoc__pb_set_outputs(b, scores, emb);
    return emoc__pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
