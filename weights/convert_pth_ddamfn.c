/*
 * convert_pth_ddamfn.c — DDAMNet(num_class=10, num_head=2) state_dict → EMW (spec §3).
 *
 * EMW names are the state_dict module names of the folded convs: "<module>.weight/.bias" for
 * every conv+BN pair (Conv_block / Linear_block / CoordAtt conv1+bn1 / heads' Linear_h, Linear_w
 * / final Linear), "<module>.prelu.weight" slopes, MDConv splits and CoordAtt conv2/conv3 as they
 * are, fc.*. Dead parameters (MDConv bn/prelu, the heads' Linear, DDAMNet.bn) are copied
 * unchanged and their prefixes listed in metadata ignored.prefixes (the net never reads them).
 */
#include "nets/ddamfn.h"
#include "weights/convert.h"
#include "weights/pth.h"

#include <stdio.h>
#include <string.h>

#define TRUNK emoc__ddamfn_trunk /* the net's own description (nets/ddamfn.h) */

static void conv_bn(emoc__pthc *c, const char *mod, const char *conv, const char *bn)
{
    char a[200], b[200];
    emoc__pthc_fmt(a, sizeof a, "%s.%s", mod, conv);
    emoc__pthc_fmt(b, sizeof b, "%s.%s", mod, bn);
    emoc__pthc_conv_bn(c, a, b);
}

static void conv_block(emoc__pthc *c, const char *mod, int prelu)
{
    char k[200];
    conv_bn(c, mod, "conv", "bn");
    if (prelu) {
        emoc__pthc_fmt(k, sizeof k, "%s.prelu.weight", mod);
        emoc__pthc_copy(c, k);
    }
}

static void copy2(emoc__pthc *c, const char *mod, const char *conv)
{
    char k[200];
    emoc__pthc_fmt(k, sizeof k, "%s.%s.weight", mod, conv);
    emoc__pthc_copy(c, k);
    emoc__pthc_fmt(k, sizeof k, "%s.%s.bias", mod, conv);
    emoc__pthc_copy(c, k);
}

static void mix_depth_wise(emoc__pthc *c, const char *mod, int n_splits)
{
    char k[200];
    emoc__pthc_fmt(k, sizeof k, "%s.conv", mod);
    conv_block(c, k, 1);
    for (int i = 0; i < n_splits; i++) {
        emoc__pthc_fmt(k, sizeof k, "%s.conv_dw.mixed_depthwise_conv.%d.weight", mod, i);
        emoc__pthc_copy(c, k);
    }
    emoc__pthc_fmt(k, sizeof k, "%s.conv_dw.mixed_depthwise_conv.%d.", mod, n_splits);
    if (emoc__pthc_has(c, k)) return; /* more splits than the spec: caught as an extra */
    emoc__pthc_fmt(k, sizeof k, "%s.conv_dw.bn.", mod);
    emoc__pthc_dead(c, k);
    emoc__pthc_fmt(k, sizeof k, "%s.conv_dw.prelu.", mod);
    emoc__pthc_dead(c, k);
    emoc__pthc_fmt(k, sizeof k, "%s.CA", mod);
    conv_bn(c, k, "conv1", "bn1");
    copy2(c, k, "conv2");
    copy2(c, k, "conv3");
    emoc__pthc_fmt(k, sizeof k, "%s.project", mod);
    conv_block(c, k, 0);
}

static const char *model_name(const emoc_convert_opts *opts, char *buf, size_t cap)
{
    const char *s = opts && opts->source_name ? opts->source_name : "";
    const char *b = strrchr(s, '/');
    b = b ? b + 1 : s;
    size_t n = strlen(b);
    const char *dot = strrchr(b, '.');
    if (dot && dot != b) n = (size_t)(dot - b);
    if (n == 0 || n >= cap) return NULL;
    memcpy(buf, b, n);
    buf[n] = 0;
    return buf;
}

emoc_status emoc__convert_pth_ddamfn(emoc__pthc *c)
{
    static const double mean[3] = {0.485, 0.456, 0.406}, stdv[3] = {0.229, 0.224, 0.225};
    char name[128];
    const char *nm = model_name(c->opts, name, sizeof name);
    emoc__pthc_meta(c, "ddamfn", "ddamfn", nm ? nm : "ddamfn", mean, stdv, 10, 8);
    conv_block(c, "features.0", 1);
    conv_block(c, "features.1", 1);
    char k[200];
    for (int s = 0; s < emoc__ddamfn_trunk_len; s++) {
        if (!TRUNK[s].blocks) {
            emoc__pthc_fmt(k, sizeof k, "features.%d", TRUNK[s].index);
            mix_depth_wise(c, k, TRUNK[s].n_splits);
        }
        for (int j = 0; j < TRUNK[s].blocks; j++) {
            emoc__pthc_fmt(k, sizeof k, "features.%d.model.%d", TRUNK[s].index, j);
            mix_depth_wise(c, k, TRUNK[s].n_splits);
        }
    }
    conv_block(c, "features.8", 1);
    for (int h = 0; h < 2; h++) {
        char head[64];
        emoc__pthc_fmt(head, sizeof head, "cat_head%d.CoordAtt", h);
        emoc__pthc_fmt(k, sizeof k, "%s.Linear_h", head);
        conv_block(c, k, 0);
        emoc__pthc_fmt(k, sizeof k, "%s.Linear_w", head);
        conv_block(c, k, 0);
        conv_bn(c, head, "conv1", "bn1");
        copy2(c, head, "conv2");
        copy2(c, head, "conv3");
        emoc__pthc_fmt(k, sizeof k, "%s.Linear.", head);
        emoc__pthc_dead(c, k);
    }
    conv_block(c, "Linear", 0);
    emoc__pthc_copy(c, "fc.weight");
    emoc__pthc_copy(c, "fc.bias");
    emoc__pthc_dead(c, "bn.");
    return c->st;
}
