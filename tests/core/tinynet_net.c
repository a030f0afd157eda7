/*
 * tinynet_net.c — a deliberately small network ("emoc.arch" = "tinynet") that uses every built-in
 * op once: TF-SAME stride-2 conv, depthwise conv, squeeze-excite, pointwise conv with a residual,
 * global average pool and a linear head. It is not a trained model: tests, fuzz corpora and
 * `emoc info` demos use it to exercise the loader, planner, thread pool and trace end to end
 * without a 16 MB weight file. It is not in the production registry: linking this file (the
 * test suite, the test CLI build/emoc_test_cli, the fuzz targets) defines the registry's
 * test-only table emoc__test_nets (nets/nets.h).
 *
 *   input S×S×3 → stem 3×3/s2 SAME, 3→8, SiLU → dw 3×3/s1, SiLU → SE(8→2→8)
 *   → pw 1×1 8→8 (+ dw output) → GAP → fc 8→n_scores
 */
#include "nets/nets.h"

#include "engine/emw/emw.h"

static emoc_status build_tinynet(emoc_pb *b, const emw_file *f)
{
    const emw_meta *size = emw_find_meta(f, "input.size");
    int S = size && size->type == EMW_T_I64 ? (int)size->i64 : 16;
    int x = emoc__pb_input(b, S, S, 3);
    emoc_conv_desc stem = {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .pad_mode = EMOC_PAD_TF_SAME,
                           .groups = 1, .act = EMOC_ACT_SILU};
    x = emoc__pb_conv2d(b, "stem", x, "stem.weight", "stem.bias", &stem);
    emoc_conv_desc dw = {.kh = 3, .kw = 3, .sh = 1, .sw = 1, .pad_mode = EMOC_PAD_SYMMETRIC,
                         .pads = {1, 1}, .act = EMOC_ACT_SILU};
    int d = emoc__pb_dwconv(b, "dw", x, 0, -1, "dw.weight", "dw.bias", &dw);
    int s = emoc__pb_gap(b, "se.squeeze", d);
    s = emoc__pb_linear(b, "se.reduce", s, "se.reduce.weight", "se.reduce.bias", EMOC_ACT_SILU);
    s = emoc__pb_linear(b, "se.expand", s, "se.expand.weight", "se.expand.bias", EMOC_ACT_SIGMOID);
    int y = emoc__pb_pwconv(b, "pw", d, "pw.weight", "pw.bias", EMOC_ACT_NONE, NULL, s, d);
    int e = emoc__pb_gap(b, "pool", y);
    int o = emoc__pb_linear(b, "fc", e, "fc.weight", "fc.bias", EMOC_ACT_NONE);
    emoc__pb_set_outputs(b, o, e);
    return emoc__pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}

const emoc__net emoc__test_nets[] = {
    {"tinynet", build_tinynet},
    {NULL, NULL},
};
