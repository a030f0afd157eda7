/*
 * ddamfn.c — DDAMFN as HSEmotion's MT-EmotiDDAMFN: MixedFeatureNet trunk, two DDAM coordinate-
 * attention heads, dw 7×7 + fc(512→10) (spec §3.2–3.3). Input 112×112, ImageNet mean/std.
 * BatchNorms are folded at conversion (weights/convert_pth_ddamfn.c); the dead parameters of the
 * PyTorch module (MDConv bn/prelu, the heads' Linear, DDAMNet.bn) ride along unchanged under
 * the prefixes of metadata ignored.prefixes, which the builder declares dead.
 *
 *   conv 3×3/s2 3→64 PReLU · dw 3×3 PReLU
 *   Mix_Depth_Wise ×34: 1×1 in→G PReLU · mixed dw (splits with k 3/5/7/9, same stride) ·
 *     CoordAtt (means over W / H → 1×1 conv+BN, h-swish → sigmoid gates → x·g_w·g_h) ·
 *     1×1 G→out (+ input when residual)
 *   conv_6_sep 1×1 256→512 PReLU
 *   heads h=0,1: Linear_h (1×7) / Linear_w (7×1) dw valid → 1×1 512→16 h-swish → gates
 *   y = x · max(head0, head1) · dw 7×7 valid (+BN) = embedding · fc → 10 scores
 */
#include "nets/ddamfn.h"
#include "nets/nets.h"

#include "engine/ops/coordatt.h"

#include <stdio.h>

/* The trunk: the net's description (nets/ddamfn.h), also read by weights/convert_pth_ddamfn.c. */
const emoc__ddamfn_stage emoc__ddamfn_trunk[] = {
    {2, 0, 2, 3, {3, 5, 7, 0}},  {3, 9, 1, 2, {3, 5, 0, 0}},  {4, 0, 2, 3, {3, 5, 7, 0}},
    {5, 16, 1, 2, {3, 5, 0, 0}}, {6, 0, 2, 4, {3, 5, 7, 9}},  {7, 6, 1, 3, {3, 5, 7, 0}},
};
const int emoc__ddamfn_trunk_len = sizeof emoc__ddamfn_trunk / sizeof emoc__ddamfn_trunk[0];
typedef emoc__ddamfn_stage stage;
#define TRUNK emoc__ddamfn_trunk

/* Names are built in a small ring of buffers: every builder call copies what it needs. */
typedef struct names {
    char buf[8][192];
    int next;
} names;

/* Kept out of line so the compiler does not second-guess lengths (names are short). */
__attribute__((noinline)) static const char *N(names *n, const char *p, const char *suffix)
{
    char *s = n->buf[n->next++ % 8];
    snprintf(s, sizeof n->buf[0], "%s%s", p, suffix);
    return s;
}

/* Channel count of a depthwise weight [C,1,k,k] (0 if absent: the builder reports it). */
static int dw_channels(const emw_file *f, const char *name)
{
    const emw_tensor *t = emw_find_tensor(f, name);
    return t && t->rank == 4 ? (int)t->dims[0] : 0;
}

/* CoordAtt of a trunk block: gates from means over W and over H, then x · g_w · g_h. */
static int coord_att(emoc_pb *b, names *n, int x, const char *p)
{
    char q[192];
    snprintf(q, sizeof q, "%s.pool", p);
    int y = emoc__op_coord_pool_mean(b, q, x);
    snprintf(q, sizeof q, "%s.conv1", p);
    y = emoc__pb_pwconv(b, q, y, N(n, q, ".weight"), N(n, q, ".bias"), EMOC_ACT_HSWISH, NULL, -1,
                       -1);
    snprintf(q, sizeof q, "%s.gates", p);
    int g = emoc__op_coord_gates(b, q, y, emoc__pb_h(b, x), emoc__pb_c(b, x),
                                N(n, p, ".conv2.weight"), N(n, p, ".conv2.bias"),
                                N(n, p, ".conv3.weight"), N(n, p, ".conv3.bias"));
    return emoc__op_coord_apply(b, p, x, g);
}

static int mix_depth_wise(emoc_pb *b, const emw_file *f, names *n, int x, const char *p,
                          const stage *s, int residual)
{
    char q[160];
    snprintf(q, sizeof q, "%s.conv", p);
    int t = emoc__pb_pwconv(b, q, x, N(n, q, ".conv.weight"), N(n, q, ".conv.bias"),
                           EMOC_ACT_PRELU, N(n, q, ".prelu.weight"), -1, -1);
    /* Mixed depthwise conv: each split writes its channel range of one buffer. The splits and
     * the coordinate attention are small and memory-bound: they run on the calling thread, the
     * 1x1 convs around them on all (docs/performance.md, "How the work is split over threads"). */
    emoc__pb_one_thread(b, 1);
    int d = -1, c0 = 0;
    for (int i = 0; i < s->n_splits && !emoc__pb_failed(b); i++) {
        int k = s->kernels[i];
        emoc_conv_desc dd = {.kh = k, .kw = k, .sh = s->stride, .sw = s->stride,
                             .pad_mode = EMOC_PAD_SYMMETRIC, .pads = {k / 2, k / 2},
                             .act = EMOC_ACT_NONE};
        snprintf(q, sizeof q, "%s.conv_dw.mixed_depthwise_conv.%d", p, i);
        const char *w = N(n, q, ".weight");
        d = emoc__pb_dwconv(b, q, t, c0, d, w, NULL, &dd);
        c0 += dw_channels(f, w);
    }
    if (!emoc__pb_failed(b) && c0 != emoc__pb_c(b, t)) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: mixed depthwise splits cover %d of %d channels", p,
                     c0, emoc__pb_c(b, t));
        return -1;
    }
    snprintf(q, sizeof q, "%s.CA", p);
    int a = coord_att(b, n, d, q);
    emoc__pb_one_thread(b, 0);
    snprintf(q, sizeof q, "%s.project", p);
    return emoc__pb_pwconv(b, q, a, N(n, q, ".conv.weight"), N(n, q, ".conv.bias"), EMOC_ACT_NONE,
                          NULL, -1, residual ? x : -1);
}

/* One DDAM head: learned (1×7)/(7×1) strip convs → 1×1 h-swish → sigmoid gates. */
static int ddam_head(emoc_pb *b, names *n, int x, int h)
{
    char p[64], q[160];
    snprintf(p, sizeof p, "cat_head%d.CoordAtt", h);
    snprintf(q, sizeof q, "%s.strip", p);
    int y = emoc__op_coord_pool_dw(b, q, x, N(n, p, ".Linear_h.conv.weight"),
                                  N(n, p, ".Linear_h.conv.bias"), N(n, p, ".Linear_w.conv.weight"),
                                  N(n, p, ".Linear_w.conv.bias"));
    snprintf(q, sizeof q, "%s.conv1", p);
    y = emoc__pb_pwconv(b, q, y, N(n, q, ".weight"), N(n, q, ".bias"), EMOC_ACT_HSWISH, NULL, -1,
                       -1);
    snprintf(q, sizeof q, "%s.gates", p);
    return emoc__op_coord_gates(b, q, y, emoc__pb_h(b, x), emoc__pb_c(b, x),
                               N(n, p, ".conv2.weight"), N(n, p, ".conv2.bias"),
                               N(n, p, ".conv3.weight"), N(n, p, ".conv3.bias"));
}

emoc_status emoc__net_build_ddamfn(emoc_pb *b, const emw_file *f)
{
    names n = {.next = 0};
    const emw_meta *ig = emw_find_meta(f, "ignored.prefixes");
    if (ig && ig->type == EMW_T_STR_ARRAY)
        for (size_t i = 0; i < ig->count; i++) emoc__pb_ignore_prefix(b, ig->strs[i]);
    int x = emoc__pb_input(b, 112, 112, 3);
    emoc_conv_desc c3 = {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .pad_mode = EMOC_PAD_SYMMETRIC,
                         .pads = {1, 1}, .groups = 1, .act = EMOC_ACT_PRELU,
                         .slope = "features.0.prelu.weight"};
    x = emoc__pb_conv2d(b, "features.0", x, "features.0.conv.weight", "features.0.conv.bias", &c3);
    emoc_conv_desc dw = c3;
    dw.sh = dw.sw = 1;
    dw.slope = "features.1.prelu.weight";
    x = emoc__pb_dwconv(b, "features.1", x, 0, -1, "features.1.conv.weight",
                       "features.1.conv.bias", &dw);
    char p[96];
    for (int s = 0; s < emoc__ddamfn_trunk_len; s++) {
        if (!TRUNK[s].blocks) {
            snprintf(p, sizeof p, "features.%d", TRUNK[s].index);
            x = mix_depth_wise(b, f, &n, x, p, &TRUNK[s], 0);
        }
        for (int j = 0; j < TRUNK[s].blocks; j++) {
            snprintf(p, sizeof p, "features.%d.model.%d", TRUNK[s].index, j);
            x = mix_depth_wise(b, f, &n, x, p, &TRUNK[s], 1);
        }
    }
    x = emoc__pb_pwconv(b, "features.8", x, "features.8.conv.weight", "features.8.conv.bias",
                       EMOC_ACT_PRELU, "features.8.prelu.weight", -1, -1);
    emoc__pb_one_thread(b, 1); /* the heads: strip convs on 7x7 maps, gates, one product */
    int g0 = ddam_head(b, &n, x, 0), g1 = ddam_head(b, &n, x, 1);
    int y = emoc__op_ddam_apply(b, "ddam", x, g0, g1);
    emoc_conv_desc d7 = {.kh = 7, .kw = 7, .sh = 1, .sw = 1, .pad_mode = EMOC_PAD_SYMMETRIC,
                         .act = EMOC_ACT_NONE};
    int emb = emoc__pb_dwconv(b, "Linear", y, 0, -1, "Linear.conv.weight", "Linear.conv.bias", &d7);
    int scores = emoc__pb_linear(b, "fc", emb, "fc.weight", "fc.bias", EMOC_ACT_NONE);
    emoc__pb_set_outputs(b, scores, emb);
    return emoc__pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
