/*
 * test_mbf_net.c — nets/mobilefacenet.c end to end on random weights laid out from the spec
 * table (§2.2, written out here independently of the net file): builds, runs, finite outputs of
 * the right sizes, identical for 1 and 2 threads, the expected op count; a missing tensor, a
 * wrong grouped-conv shape and an extra tensor are each rejected with a message naming them.
 * Numerical equality with PyTorch is `make conformance` (tools/reference/).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "tests/nets/net_harness.h"

/* Folded conv P.layers.0.{weight,bias} (+ PReLU slope P.layers.2.weight). */
static void block(net_tensors *l, const char *p, int64_t o, int64_t i, int64_t k, int prelu)
{
    char n[96];
    snprintf(n, sizeof n, "%s.layers.0.weight", p);
    net_add(l, n, 4, o, i, k, k);
    snprintf(n, sizeof n, "%s.layers.0.bias", p);
    net_add(l, n, 1, o, 0, 0, 0);
    if (prelu) {
        snprintf(n, sizeof n, "%s.layers.2.weight", p);
        net_add(l, n, 1, o, 0, 0, 0);
    }
}

static void depth_wise(net_tensors *l, const char *p, int in, int G, int out)
{
    char n[96];
    snprintf(n, sizeof n, "%s.layers.0", p);
    block(l, n, G, in, 1, 1);
    snprintf(n, sizeof n, "%s.layers.1", p);
    block(l, n, G, 1, 3, 1);
    snprintf(n, sizeof n, "%s.layers.2", p);
    block(l, n, out, G, 1, 0);
}

static void mbf_tensors(net_tensors *l)
{
    l->n = 0;
    block(l, "features.layers.0", 128, 3, 3, 1);
    block(l, "features.layers.1", 128, 2, 3, 1); /* 64 groups of 2 */
    static const struct { int idx, blocks, in, G, out; } S[] = {
        {2, 0, 128, 128, 128}, {3, 4, 128, 128, 128}, {4, 0, 128, 256, 256},
        {5, 6, 256, 256, 256}, {6, 0, 256, 512, 256}, {7, 2, 256, 256, 256},
    };
    char p[96];
    for (size_t s = 0; s < sizeof S / sizeof S[0]; s++) {
        if (!S[s].blocks) {
            snprintf(p, sizeof p, "features.layers.%d", S[s].idx);
            depth_wise(l, p, S[s].in, S[s].G, S[s].out);
        }
        for (int j = 0; j < S[s].blocks; j++) {
            snprintf(p, sizeof p, "features.layers.%d.layers.%d", S[s].idx, j);
            depth_wise(l, p, S[s].in, S[s].G, S[s].out);
        }
    }
    block(l, "features.conv_sep", 512, 256, 1, 1);
    block(l, "features.features.layers.0", 512, 1, 7, 0);
    net_add(l, "features.features.layers.2.weight", 2, 512, 512, 0, 0);
    net_add(l, "features.features.layers.2.bias", 1, 512, 0, 0, 0);
    net_add(l, "fc.weight", 2, 10, 512, 0, 0);
    net_add(l, "fc.bias", 1, 10, 0, 0, 0);
}

static net_tensors L;
static const net_meta META = {"mobilefacenet", "mbf", "mbf_test", "test_mbf_net.c",
                              {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, NULL, 0};

Test(mbf_net, random_weights_run_and_threads_agree_bitwise)
{
    mbf_tensors(&L);
    emoc_model *m = net_load(&L, &META, NULL);
    net_assert_threads_agree(m, 2);
    net_assert_ftz_close(&L, &META, 2);
    /* 2 convs + 15 DepthWise × 3 + conv_sep + GDC dw + linear + fc */
    cr_assert_eq(emoc_model_op_count(m), 2 + 15 * 3 + 4, "%d ops", emoc_model_op_count(m));
    emoc_model_free(m);
}

Test(mbf_net, missing_tensor_is_named)
{
    mbf_tensors(&L);
    int i = 0;
    while (strcmp(L.t[i].name, "features.layers.5.layers.2.layers.1.layers.2.weight")) i++;
    net_expect_rejected(&L, &META, i, NULL, L.t[i].name);
}

Test(mbf_net, grouped_conv_needs_two_channels_per_group)
{
    mbf_tensors(&L);
    L.t[3].dims[1] = 128; /* features.layers.1 as a full conv: not the 64-group layout */
    net_expect_rejected(&L, &META, -1, NULL, "features.layers.1.layers.0.weight");
}

Test(mbf_net, extra_tensor_is_rejected)
{
    mbf_tensors(&L);
    const char *extra = "features.features.layers.3.running_mean";
    net_expect_rejected(&L, &META, -1, extra, extra);
}
