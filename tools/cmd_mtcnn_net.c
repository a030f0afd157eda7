/*
 * cmd_mtcnn_net.c — `emoc mtcnn-net -m MTCNN.emw --net pnet|rnet|onet --shape NxHxW IN.f32
 * -o OUT.f32`: runs one MTCNN sub-network on N preprocessed float32 NCHW inputs (N×3×H×W; RNet
 * and ONet need 24×24 and 48×48) and writes its raw outputs, per input: the two class logits,
 * the 4 box offsets and (ONet) the 10 landmark values, each head in NCHW order (PNet: maps of
 * H'×W'). Used by the conformance check (tools/reference/mtcnn/) to compare each network with
 * PyTorch at every ISA.
 */
#include "engine/core/subnet.h"
#include "nets/mtcnn.h"
#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>

#define USAGE_LINE "usage: emoc mtcnn-net -m MTCNN.emw --net pnet|rnet|onet --shape NxHxW IN.f32 -o OUT.f32"
static const char *usage_line = USAGE_LINE, *usage = USAGE_LINE "\n";

static int fail(const char *cmd, int rc, const char *msg)
{
    cli_error(cmd, "%s", msg);
    return rc;
}

/* Each of the n NCHW inputs through the network; its outputs written as NCHW float32. */
static void run_inputs(emoc_subnet *s, void *arena, emoc_pool *pool, const float *x, int n, int h, int w, FILE *fo)
{
    size_t per = (size_t)3 * h * w;
    for (int k = 0; k < n; k++) {
        float *dst = emoc__subnet_input(s, arena, NULL, NULL, NULL);
        for (int c = 0; c < 3; c++)
            for (size_t p = 0; p < (size_t)h * w; p++) dst[p * 3 + c] = x[k * per + c * (size_t)h * w + p];
        emoc__subnet_run(s, arena, pool);
        for (int o = 0;; o++) {
            int oh, ow, oc;
            const float *y = emoc__subnet_output(s, arena, o, &oh, &ow, &oc);
            if (!y) break;
            for (int c = 0; c < oc; c++) /* NHWC → NCHW */
                for (size_t p = 0; p < (size_t)oh * ow; p++) fwrite(&y[p * oc + c], 4, 1, fo);
        }
    }
}

int cmd_mtcnn_net(int argc, char **argv)
{
    const char *cmd = argv[0], *model = NULL, *net = NULL, *in = NULL, *out = NULL;
    int n = 0, h = 0, w = 0;
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (!a && strcmp(v, "-") && !in) in = v;
        else if (a && v && !strcmp(a, "-m")) model = v;
        else if (a && v && !strcmp(a, "--net")) net = v;
        else if (a && v && !strcmp(a, "-o")) out = v;
        else if (a && v && !strcmp(a, "--shape")) {
            if (sscanf(v, "%dx%dx%d", &n, &h, &w) != 3 || n < 1 || h < 12 || w < 12 ||
                n > 1 << 20 || h > 4096 || w > 4096)
                return fail(cmd, EXIT_USAGE, "--shape expects NxHxW (H, W in 12..4096)");
        } else {
            cli_error(cmd, "unknown option '%s'", a ? a : v);
            return EXIT_USAGE;
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!model || !net || !in || !out || !n)
        return fail(cmd, EXIT_USAGE, usage_line);
    emoc_subnet_build_fn build = !strcmp(net, "pnet") ? emoc__mtcnn_build_pnet
                               : !strcmp(net, "rnet") ? emoc__mtcnn_build_rnet
                               : !strcmp(net, "onet") ? emoc__mtcnn_build_onet : NULL;
    if (!build) return fail(cmd, EXIT_USAGE, "--net expects pnet, rnet or onet");
    uint8_t *buf = NULL;
    size_t size = 0;
    emoc_error err;
    emoc_status st = emw_read_file(model, &buf, &size, &err);
    if (st) return fail(cmd, cli_exit_for_status(st), err.msg);
    emw_file f;
    if ((st = emw_parse(buf, size, 1, &f, &err))) {
        free(buf);
        return fail(cmd, cli_exit_for_status(st), err.msg);
    }
    char scope[8];
    snprintf(scope, sizeof scope, "%s.", net);
    int hw[2] = {h, w};
    emoc_options opt;
    emoc_options_default(&opt);
    emoc_subnet *s = NULL;
    emoc_pool *pool = NULL;
    st = emoc__subnet_create(&f, net, scope, build, hw, NULL, opt.isa, &s, &err);
    int rc = EXIT_OK;
    if (st) rc = fail(cmd, cli_exit_for_status(st), err.msg);
    if (!rc && emoc__subnet_pool_create(NULL, 1, &pool)) rc = fail(cmd, EXIT_RUNTIME, "no pool");
    int ih = 0, iw = 0;
    if (!rc) {
        emoc__subnet_input(s, NULL, &ih, &iw, NULL);
        if (ih != h || iw != w) rc = fail(cmd, EXIT_USAGE, "this network takes another input size");
    }
    size_t per = (size_t)3 * h * w;
    float *x = rc ? NULL : malloc(per * (size_t)n * sizeof(float));
    void *arena = rc ? NULL : aligned_alloc(64, (emoc__subnet_arena_size(s, 1) + 63) & ~(size_t)63);
    char msg[512];
    if (!rc && (!x || !arena)) rc = fail(cmd, EXIT_RUNTIME, "out of memory");
    if (!rc && cli_read_exact(in, x, per * (size_t)n * sizeof(float), msg, sizeof msg))
        rc = fail(cmd, EXIT_INPUT, msg);
    FILE *fo = rc ? NULL : fopen(out, "wb");
    if (!rc && !fo) rc = fail(cmd, EXIT_RUNTIME, "cannot write the output");
    if (!rc) run_inputs(s, arena, pool, x, n, h, w, fo);
    if (fo && fclose(fo) && !rc) rc = fail(cmd, EXIT_RUNTIME, "error writing the output");
    free(x);
    free(arena);
    if (pool) emoc__subnet_pool_free(pool);
    emoc__subnet_free(s);
    emw_file_release(&f);
    free(buf);
    return rc;
}
