/* test_convert_mbf.c — the MobileFaceNet ONNX matcher on malformed graphs
 * (tests/fixtures/onnx/mbf_*.onnx, from tools/reference/onnx_fixtures/make_mbf_fixtures.py):
 * each is refused with a message naming the node and what was expected there. The valid path is
 * proven end to end by `make conformance` (mbf_va_mtl_onnx). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fixture_file.h"
#include "weights/convert.h"
#include "engine/emw/emw.h"

static uint8_t *slurp(const char *name, size_t *n)
{
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fixtures/onnx/%s", name);
    return fixture_read(rel, n);
}

static void expect_refused(const char *name, const char *needle1, const char *needle2)
{
    size_t n = 0;
    uint8_t *buf = slurp(name, &n);
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts o = {.dtype = EMW_F32, .source_name = name};
    emoc_error err;
    err.msg[0] = 0;
    emoc_status st = emoc__convert_onnx(buf, n, &o, w, &err);
    cr_assert_neq(st, EMOC_OK, "%s was accepted", name);
    cr_assert(strstr(err.msg, needle1) != NULL, "%s: '%s' lacks '%s'", name, err.msg, needle1);
    cr_assert(strstr(err.msg, needle2) != NULL, "%s: '%s' lacks '%s'", name, err.msg, needle2);
    emw_writer_free(w);
    free(buf);
}

Test(convert_mbf, grouped_conv_with_the_wrong_group_names_node_and_expected_weight)
{
    expect_refused("mbf_bad_group.onnx", "mobilefacenet: node 2 'conv2'", "128x2x3x3");
}

Test(convert_mbf, prelu_slope_that_is_not_a_constant)
{
    expect_refused("mbf_slope_input.onnx", "node 1 'act0' (PRelu)", "not a constant of 128");
}

Test(convert_mbf, graph_that_stops_after_the_second_layer)
{
    expect_refused("mbf_truncated_tail.onnx", "mobilefacenet: graph ends after 4 compute nodes",
                   "expected Conv");
}

Test(convert_mbf, relu_in_place_of_prelu_is_refused_at_the_stem)
{
    expect_refused("mbf_relu.onnx", "node 0 'stem'", "expected");
}
