/*
 * test_ddamfn_net.c — nets/ddamfn.c end to end on random weights laid out from the spec tables
 * (§3.2–3.3, written out here independently of the net file): the plan builds, runs, gives
 * finite outputs of the right sizes, identical for 1 and 3 threads; a missing tensor, a wrong
 * mixed-depthwise split and an extra tensor are each rejected with a message naming them;
 * the dead-parameter prefixes are accepted. Numerical equality with PyTorch is `make
 * conformance` (tools/reference/).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "tests/nets/net_harness.h"

static void conv_bias(net_tensors *l, const char *p, int64_t o, int64_t i, int64_t kh, int64_t kw)
{
    char n[96];
    snprintf(n, sizeof n, "%s.weight", p);
    net_add(l, n, 4, o, i, kh, kw);
    snprintf(n, sizeof n, "%s.bias", p);
    net_add(l, n, 1, o, 0, 0, 0);
}

static void mix(net_tensors *l, const char *p, int in, int out, int G, const int *splits,
                const int *kernels, int n_splits)
{
    char n[96];
    snprintf(n, sizeof n, "%s.conv.conv", p);
    conv_bias(l, n, G, in, 1, 1);
    snprintf(n, sizeof n, "%s.conv.prelu.weight", p);
    net_add(l, n, 1, G, 0, 0, 0);
    for (int i = 0; i < n_splits; i++) {
        snprintf(n, sizeof n, "%s.conv_dw.mixed_depthwise_conv.%d.weight", p, i);
        net_add(l, n, 4, splits[i], 1, kernels[i], kernels[i]);
    }
    int mip = G / 32 > 8 ? G / 32 : 8;
    snprintf(n, sizeof n, "%s.CA.conv1", p);
    conv_bias(l, n, mip, G, 1, 1);
    snprintf(n, sizeof n, "%s.CA.conv2", p);
    conv_bias(l, n, G, mip, 1, 1);
    snprintf(n, sizeof n, "%s.CA.conv3", p);
    conv_bias(l, n, G, mip, 1, 1);
    snprintf(n, sizeof n, "%s.project.conv", p);
    conv_bias(l, n, out, G, 1, 1);
}

/* Spec §3.2 table, then the heads and output of §3.3. */
static void ddamfn_tensors(net_tensors *l)
{
    l->n = 0;
    conv_bias(l, "features.0.conv", 64, 3, 3, 3);
    net_add(l, "features.0.prelu.weight", 1, 64, 0, 0, 0);
    conv_bias(l, "features.1.conv", 64, 1, 3, 3);
    net_add(l, "features.1.prelu.weight", 1, 64, 0, 0, 0);
    static const struct {
        int idx, blocks, in, out, G, n;
        int splits[4], kernels[4];
    } S[] = {
        {2, 0, 64, 64, 128, 3, {64, 32, 32}, {3, 5, 7}},
        {3, 9, 64, 64, 128, 2, {96, 32}, {3, 5}},
        {4, 0, 64, 128, 256, 3, {128, 64, 64}, {3, 5, 7}},
        {5, 16, 128, 128, 256, 2, {192, 64}, {3, 5}},
        {6, 0, 128, 256, 1024, 4, {256, 256, 256, 256}, {3, 5, 7, 9}},
        {7, 6, 256, 256, 512, 3, {172, 170, 170}, {3, 5, 7}},
    };
    char p[96];
    for (size_t s = 0; s < sizeof S / sizeof S[0]; s++) {
        if (!S[s].blocks) {
            snprintf(p, sizeof p, "features.%d", S[s].idx);
            mix(l, p, S[s].in, S[s].out, S[s].G, S[s].splits, S[s].kernels, S[s].n);
        }
        for (int j = 0; j < S[s].blocks; j++) {
            snprintf(p, sizeof p, "features.%d.model.%d", S[s].idx, j);
            mix(l, p, S[s].in, S[s].out, S[s].G, S[s].splits, S[s].kernels, S[s].n);
        }
    }
    conv_bias(l, "features.8.conv", 512, 256, 1, 1);
    net_add(l, "features.8.prelu.weight", 1, 512, 0, 0, 0);
    for (int h = 0; h < 2; h++) {
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.Linear_h.conv", h);
        conv_bias(l, p, 512, 1, 1, 7);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.Linear_w.conv", h);
        conv_bias(l, p, 512, 1, 7, 1);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.conv1", h);
        conv_bias(l, p, 16, 512, 1, 1);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.conv2", h);
        conv_bias(l, p, 512, 16, 1, 1);
        snprintf(p, sizeof p, "cat_head%d.CoordAtt.conv3", h);
        conv_bias(l, p, 512, 16, 1, 1);
    }
    conv_bias(l, "Linear.conv", 512, 1, 7, 7);
    net_add(l, "fc.weight", 2, 10, 512, 0, 0);
    net_add(l, "fc.bias", 1, 10, 0, 0, 0);
}

static net_tensors L;
static const char *const dead[2] = {"cat_head0.CoordAtt.Linear.", "bn."};
static const net_meta META = {"ddamfn", "ddamfn", "ddamfn_test", "test_ddamfn_net.c",
                              {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}, dead, 2};

Test(ddamfn_net, random_weights_run_and_threads_agree_bitwise)
{
    ddamfn_tensors(&L);
    emoc_model *m = net_load(&L, &META, NULL);
    emoc_model_info info;
    cr_assert_eq(emoc_model_get_info(m, &info), EMOC_OK);
    cr_assert_str_eq(info.arch, "ddamfn");
    cr_assert_eq(info.embedding_size, 512);
    net_assert_threads_agree(m, 3);
    net_assert_ftz_close(&L, &META, 3);
    /* stem 2 + 34 blocks × (pw + 4 CoordAtt ops + project) + 78 mixed-depthwise splits
     * + conv_6_sep + 2 heads × (strip, conv1, gates) + max-combine + dw 7×7 + fc */
    cr_assert_eq(emoc_model_op_count(m), 2 + 34 * 6 + 78 + 1 + 2 * 3 + 3, "%d ops", emoc_model_op_count(m));
    emoc_model_free(m);
}

Test(ddamfn_net, missing_tensor_is_named)
{
    ddamfn_tensors(&L);
    int i = 0;
    while (strcmp(L.t[i].name, "features.5.model.3.CA.conv2.bias")) i++;
    net_expect_rejected(&L, &META, i, NULL, "features.5.model.3.CA.conv2.bias");
}

Test(ddamfn_net, wrong_mixed_split_is_rejected)
{
    ddamfn_tensors(&L);
    int i = 0;
    while (strcmp(L.t[i].name, "features.7.model.2.conv_dw.mixed_depthwise_conv.0.weight")) i++;
    L.t[i].dims[0] = 171; /* 171 + 170 + 170 ≠ 512 */
    net_expect_rejected(&L, &META, -1, NULL, "features.7.model.2");
}

Test(ddamfn_net, extra_tensor_rejected_but_dead_prefix_accepted)
{
    ddamfn_tensors(&L);
    net_expect_rejected(&L, &META, -1, "cat_head1.CoordAtt.unknown", "cat_head1.CoordAtt.unknown");
    emoc_model_free(net_load(&L, &META, "cat_head0.CoordAtt.Linear.bn.weight"));
}
