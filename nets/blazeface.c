/*
 * blazeface.c — MediaPipe BlazeFace (short range 128², full range 192², sparse and dense) as a
 * list of validated layer records (nets/blazeface.h) written by the TFLite converter
 * (weights/convert_tflite.c). docs/blazeface.md describes the three networks; the records are
 * their TFLite op lists with constants folded (DEQUANTIZE, DENSIFY), spatial PADs folded into
 * the following convolution and RESHAPEs dropped (NHWC order is already the anchor order).
 *
 * Every record is checked here before it is used: kind in range, inputs refer to earlier
 * values, shapes agree (the builder calls check kernel, stride and padding ranges and the
 * weight shapes), and the network ends with exactly one OUTPUT record.
 */
#include "nets/nets.h"

#include "engine/ops/blazeops.h"
#include "nets/blazeface.h"

#include <stdio.h>
#include <string.h>

static emoc_act act_of(int64_t a) { return a == 1 ? EMOC_ACT_RELU : EMOC_ACT_NONE; }

static int conv_layer(emoc_pb *b, const char *node, int k, int x, const int64_t *r)
{
    char w[32], bias[32];
    snprintf(w, sizeof w, "layer%d.weight", k);
    snprintf(bias, sizeof bias, "layer%d.bias", k);
    int kh = (int)r[EMOC_BLAZE_F_KH], kw = (int)r[EMOC_BLAZE_F_KW], s = (int)r[EMOC_BLAZE_F_STRIDE];
    int pt = (int)r[EMOC_BLAZE_F_PT], pl = (int)r[EMOC_BLAZE_F_PL], pb = (int)r[EMOC_BLAZE_F_PB],
        pr = (int)r[EMOC_BLAZE_F_PR];
    emoc_act act = act_of(r[EMOC_BLAZE_F_ACT]);
    if (r[EMOC_BLAZE_F_KIND] == EMOC_BLAZE_CONV && kh == 1 && kw == 1 && s == 1 &&
        !(pt | pl | pb | pr))
        return emoc__pb_pwconv(b, node, x, w, bias, act, NULL, -1, -1);
    emoc_conv_desc d = {.kh = kh, .kw = kw, .sh = s, .sw = s, .pad_mode = EMOC_PAD_EXPLICIT,
                        .pads = {pt, pl, pb, pr}, .groups = 1, .act = act};
    if (r[EMOC_BLAZE_F_KIND] == EMOC_BLAZE_CONV) return emoc__pb_conv2d(b, node, x, w, bias, &d);
    return emoc__pb_dwconv(b, node, x, 0, -1, w, bias, &d);
}

emoc_status emoc__net_build_blazeface(emoc_pb *b, const emw_file *f)
{
    const emw_meta *sm = emw_find_meta(f, "input.size");
    const emw_meta *lm = emw_find_meta(f, "blaze.layers");
    if (!sm || sm->type != EMW_T_I64 || (sm->i64 != 128 && sm->i64 != 192)) {
        emoc__pb_fail(b, EMOC_E_UNSUPPORTED, "blazeface: input.size must be 128 or 192");
        return EMOC_E_UNSUPPORTED;
    }
    if (!lm || lm->type != EMW_T_I64_ARRAY || lm->count == 0 || lm->count % EMOC_BLAZE_FIELDS ||
        lm->count / EMOC_BLAZE_FIELDS > EMOC_BLAZE_MAX_LAYERS) {
        emoc__pb_fail(b, EMOC_E_FORMAT,
                     "blazeface: metadata blaze.layers must be an i64 array of 1..%d records of "
                     "%d values",
                     EMOC_BLAZE_MAX_LAYERS, EMOC_BLAZE_FIELDS);
        return EMOC_E_FORMAT;
    }
    int n = (int)(lm->count / EMOC_BLAZE_FIELDS);
    int vals[EMOC_BLAZE_MAX_LAYERS + 1];
    int S = (int)sm->i64;
    vals[0] = emoc__pb_input(b, S, S, 3);
    int out = -1;
    for (int k = 0; k < n && !emoc__pb_failed(b); k++) {
        const int64_t *r = lm->i64s + (size_t)k * EMOC_BLAZE_FIELDS;
        char node[32];
        snprintf(node, sizeof node, "layer%d", k);
        int64_t kind = r[EMOC_BLAZE_F_KIND], ia = r[EMOC_BLAZE_F_A], ib = r[EMOC_BLAZE_F_B];
        int two = kind == EMOC_BLAZE_ADD || kind == EMOC_BLAZE_CONCAT || kind == EMOC_BLAZE_OUTPUT;
        if (kind < 1 || kind >= EMOC_BLAZE_KIND_END || ia < 0 || ia > k || (two && (ib < 0 || ib > k)) ||
            r[EMOC_BLAZE_F_ACT] < 0 || r[EMOC_BLAZE_F_ACT] > 1 || out >= 0) {
            emoc__pb_fail(b, EMOC_E_FORMAT,
                         "blazeface: layer %d: kind %lld, inputs %lld/%lld, act %lld: expected a "
                         "kind 1..%d reading earlier values, act 0/1, nothing after OUTPUT",
                         k, (long long)kind, (long long)ia, (long long)ib,
                         (long long)r[EMOC_BLAZE_F_ACT], EMOC_BLAZE_KIND_END - 1);
            break;
        }
        for (int i = EMOC_BLAZE_F_KH; i < EMOC_BLAZE_FIELDS; i++)
            if (r[i] < 0 || r[i] > 4096) {
                emoc__pb_fail(b, EMOC_E_FORMAT, "blazeface: layer %d field %d = %lld out of range",
                             k, i, (long long)r[i]);
                break;
            }
        int a = vals[ia], bb = two ? vals[ib] : -1, y = -1;
        switch (kind) {
        case EMOC_BLAZE_CONV:
        case EMOC_BLAZE_DWCONV: y = conv_layer(b, node, k, a, r); break;
        case EMOC_BLAZE_ADD: y = emoc__op_add_act(b, node, a, bb, act_of(r[EMOC_BLAZE_F_ACT])); break;
        case EMOC_BLAZE_RELU: y = emoc__op_act(b, node, a, EMOC_ACT_RELU); break;
        case EMOC_BLAZE_PAD:
            y = emoc__op_pad(b, node, a, (int)r[EMOC_BLAZE_F_PT], (int)r[EMOC_BLAZE_F_PL],
                            (int)r[EMOC_BLAZE_F_PB], (int)r[EMOC_BLAZE_F_PR],
                            (int)r[EMOC_BLAZE_F_KH], (int)r[EMOC_BLAZE_F_EXTRA]);
            break;
        case EMOC_BLAZE_MAXPOOL: y = emoc__op_maxpool2(b, node, a); break;
        case EMOC_BLAZE_RESIZE:
            y = emoc__op_resize_bilinear(b, node, a, (int)r[EMOC_BLAZE_F_KH],
                                        (int)r[EMOC_BLAZE_F_KW], (int)r[EMOC_BLAZE_F_EXTRA]);
            break;
        case EMOC_BLAZE_DEPTH2SPACE: y = emoc__op_depth2space(b, node, a, (int)r[EMOC_BLAZE_F_EXTRA]); break;
        case EMOC_BLAZE_CONCAT: y = emoc__op_concat_flat(b, node, a, bb, (int)r[EMOC_BLAZE_F_EXTRA]); break;
        case EMOC_BLAZE_OUTPUT:
            y = out = emoc__op_blaze_output(b, node, a, bb);
            if (y >= 0 && (size_t)emoc__pb_c(b, y) != (size_t)r[EMOC_BLAZE_F_EXTRA] * 17)
                emoc__pb_fail(b, EMOC_E_SHAPE, "blazeface: output has %d values, %lld anchors "
                             "need %lld", emoc__pb_c(b, y), (long long)r[EMOC_BLAZE_F_EXTRA],
                             (long long)r[EMOC_BLAZE_F_EXTRA] * 17);
            break;
        }
        vals[k + 1] = y;
    }
    if (!emoc__pb_failed(b) && out < 0)
        emoc__pb_fail(b, EMOC_E_FORMAT, "blazeface: blaze.layers has no OUTPUT record");
    if (!emoc__pb_failed(b)) emoc__pb_set_outputs(b, out, out);
    return emoc__pb_failed(b) ? EMOC_E_SHAPE : EMOC_OK;
}
