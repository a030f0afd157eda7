/*
 * convert_pth_mbf.c — MobileFaceNet (insightface get_mbf, blocks 1,4,6,2, scale 2) state_dict →
 * EMW (spec §2). Accepts EmotiEffLib's Sequential(features=MobileFaceNet, fc=Linear(512,10))
 * ("features.*", "fc.*") and insightface's bare backbone ("layers.*", "conv_sep.*",
 * "features.*" = GDC; no fc: the EMW then has 512 scores = the embedding, no classes).
 *
 * EMW names are always those of the Sequential form: "features.<module>.weight/.bias" for each
 * conv with its BN folded, "features.<ConvBlock>.layers.2.weight" PReLU slopes, the GDC linear
 * folded with its BatchNorm1d as "features.features.layers.2.weight/.bias", "fc.*".
 */
#include "nets/mobilefacenet.h"
#include "weights/convert.h"
#include "weights/pth.h"

#include <stdio.h>
#include <string.h>

/* ConvBlock / LinearBlock: P.layers.0 conv, P.layers.1 BN, P.layers.2 PReLU. */
static void block(emoc__pthc *c, const char *p, int prelu)
{
    char conv[200], bn[200];
    emoc__pthc_fmt(conv, sizeof conv, "%s.layers.0", p);
    emoc__pthc_fmt(bn, sizeof bn, "%s.layers.1", p);
    emoc__pthc_conv_bn(c, conv, bn);
    if (prelu) {
        emoc__pthc_fmt(conv, sizeof conv, "%s.layers.2.weight", p);
        emoc__pthc_copy(c, conv);
    }
}

static void depth_wise(emoc__pthc *c, const char *p)
{
    char k[200];
    emoc__pthc_fmt(k, sizeof k, "%s.layers.0", p);
    block(c, k, 1);
    emoc__pthc_fmt(k, sizeof k, "%s.layers.1", p);
    block(c, k, 1);
    emoc__pthc_fmt(k, sizeof k, "%s.layers.2", p);
    block(c, k, 0);
}

emoc_status emoc__convert_pth_mbf(emoc__pthc *c)
{
    static const double half[3] = {0.5, 0.5, 0.5};
    /* Keys are looked up relative to the backbone; EMW names get "features.". */
    const char *outer = c->src_prefix;
    char src[64];
    int wrapped = emoc__pthc_has(c, "features.conv_sep.layers.0.weight");
    emoc__pthc_fmt(src, sizeof src, "%s%s", outer, wrapped ? "features." : "");
    c->src_prefix = src;
    c->dst_prefix = "features.";
    const char *s = c->opts && c->opts->source_name ? c->opts->source_name : "";
    const char *base = strrchr(s, '/');
    base = base ? base + 1 : s;
    char name[128];
    size_t n = strcspn(base, ".");
    emoc__pthc_fmt(name, sizeof name, "%.*s", (int)(n && n < sizeof name ? n : 0), base);
    emoc__pthc_meta(c, "mobilefacenet", "mbf", name[0] ? name : "mbf_va_mtl", half, half,
                    wrapped ? 10 : 512, wrapped ? 8 : 0);
    block(c, "layers.0", 1);
    block(c, "layers.1", 1);
    char k[200];
    for (int stage = 0; stage < EMOC__MBF_STAGES; stage++) {
        const emoc__mbf_stage *st = &emoc__mbf_stages[stage]; /* the net's own description */
        int dw = st->index, res = dw + 1;
        emoc__pthc_fmt(k, sizeof k, "layers.%d", dw);
        depth_wise(c, k);
        for (int j = 0; j < st->blocks; j++) {
            emoc__pthc_fmt(k, sizeof k, "layers.%d.layers.%d", res, j);
            depth_wise(c, k);
        }
    }
    block(c, "conv_sep", 1);
    block(c, "features.layers.0", 0);
    emoc__pthc_linear_bn(c, "features.layers.2", "features.layers.3");
    c->src_prefix = outer;
    c->dst_prefix = "";
    if (wrapped) {
        emoc__pthc_copy(c, "fc.weight");
        emoc__pthc_copy(c, "fc.bias");
    }
    return c->st;
}
