/*
 * test_convert_pth.c — the state_dict → EMW folding helpers and the converter's dispatch:
 * BatchNorm folding into a conv (tests/fixtures/pth/bare.pth: Conv2d(2,3,1) + BatchNorm2d(3)
 * with set running statistics) checked against the formula computed here in double; the
 * Linear + BatchNorm1d fold; dead prefixes; unknown state_dicts and refused pickles rejected by
 * emoc__convert_pth with their own message.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/fixture_file.h"
#include "weights/convert.h"
#include "weights/pth.h"

static uint8_t *load(const char *name, size_t *size)
{
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fixtures/pth/%s", name);
    return fixture_read(rel, size);
}

static const emw_tensor *tensor(const emw_file *f, const char *name)
{
    const emw_tensor *t = emw_find_tensor(f, name);
    cr_assert(t, "EMW lacks %s", name);
    return t;
}

Test(convert_pth, conv_bn_fold_matches_the_formula)
{
    size_t n;
    uint8_t *buf = load("bare.pth", &n);
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(emoc__pth_read(buf, n, &ck, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    unsigned char used[16] = {0};
    emoc_convert_opts opts = {EMW_F32, NULL};
    emoc__pthc c = {.ck = &ck, .src_prefix = "", .dst_prefix = "x.", .used = used,
                    .opts = &opts, .w = w, .err = &err};
    emoc__pthc_conv_bn(&c, "0", "1");
    cr_assert_eq(c.st, EMOC_OK, "%s", err.msg);
    for (int i = 0; i < 6; i++) cr_assert(used[i], "tensor %d not consumed", i);
    cr_assert(!used[6], "num_batches_tracked is not a parameter");
    uint8_t *emw;
    size_t emw_size;
    cr_assert_eq(emw_writer_to_memory(w, &emw, &emw_size), EMOC_OK);
    emw_file f;
    cr_assert_eq(emw_parse(emw, emw_size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    const emw_tensor *fw = tensor(&f, "x.0.weight"), *fb = tensor(&f, "x.0.bias");
    cr_assert(fw->rank == 4 && fw->dims[0] == 3 && fw->dims[1] == 2);
    float wv[6], bv[3];
    emw_tensor_to_f32(fw, wv);
    emw_tensor_to_f32(fb, bv);
    const emoc_pth_tensor *W = emoc__pth_find(&ck, "0.weight"), *B = emoc__pth_find(&ck, "0.bias");
    const emoc_pth_tensor *g = emoc__pth_find(&ck, "1.weight"), *be = emoc__pth_find(&ck, "1.bias");
    static const double mean[3] = {0.5, -0.25, 2.0}, var[3] = {1.5, 0.75, 3.0};
    for (int o = 0; o < 3; o++) {
        double s = g->data[o] / sqrt(var[o] + 1e-5);
        for (int i = 0; i < 2; i++)
            cr_assert_float_eq(wv[o * 2 + i], (float)(W->data[o * 2 + i] * s), 1e-7);
        cr_assert_float_eq(bv[o], (float)((B->data[o] - mean[o]) * s + be->data[o]), 1e-6);
    }
    emw_file_release(&f);
    free(emw);
    emw_writer_free(w);
    emoc__pth_release(&ck);
}

Test(convert_pth, dead_prefix_consumes_tensors_and_is_recorded)
{
    size_t n;
    uint8_t *buf = load("bare.pth", &n);
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(emoc__pth_read(buf, n, &ck, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    unsigned char used[16] = {0};
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts opts = {EMW_F32, NULL};
    emoc__pthc c = {.ck = &ck, .src_prefix = "", .dst_prefix = "", .used = used, .opts = &opts,
                    .w = w, .err = &err};
    emoc__pthc_dead(&c, "1.");
    emoc__pthc_dead(&c, "bn."); /* absent: not recorded */
    cr_assert_eq(c.st, EMOC_OK, "%s", err.msg);
    cr_assert_eq(c.n_dead, 1);
    cr_assert_str_eq(c.dead[0], "1.");
    for (int i = 2; i < 7; i++) cr_assert(used[i]);
    cr_assert(!used[0] && !used[1]);
    /* the four float BN tensors ride along unchanged; the int64 counter is dropped */
    uint8_t *emw;
    size_t emw_size;
    cr_assert_eq(emw_writer_to_memory(w, &emw, &emw_size), EMOC_OK);
    emw_file f;
    cr_assert_eq(emw_parse(emw, emw_size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.n_tensors, 4);
    float rv[3];
    emw_tensor_to_f32(tensor(&f, "1.running_var"), rv);
    cr_assert(rv[0] == 1.5f && rv[1] == 0.75f && rv[2] == 3.0f);
    cr_assert_null(emw_find_tensor(&f, "1.num_batches_tracked"));
    emw_file_release(&f);
    free(emw);
    emw_writer_free(w);
    emoc__pth_release(&ck);
}

static void expect_convert_error(const char *file, emoc_status want, const char *needle)
{
    size_t n;
    uint8_t *buf = load(file, &n);
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts opts = {EMW_F32, file};
    emoc_error err;
    err.msg[0] = 0;
    emoc_status st = emoc__convert_pth(buf, n, &opts, w, &err);
    cr_assert_eq(st, want, "%s: status %d: %s", file, st, err.msg);
    cr_assert(strstr(err.msg, needle), "%s: '%s' lacks '%s'", file, err.msg, needle);
    emw_writer_free(w);
    free(buf);
}

Test(convert_pth, unknown_architectures_and_refused_pickles)
{
    expect_convert_error("bare.pth", EMOC_E_UNSUPPORTED, "neither DDAMFN");
    expect_convert_error("wrapped.pth", EMOC_E_UNSUPPORTED, "neither DDAMFN");
    expect_convert_error("os_system.pth", EMOC_E_SECURITY, "global 'os.system' refused");
    expect_convert_error("compressed.pth", EMOC_E_UNSUPPORTED, "is compressed");
}

/* `emoc convert` on a checkpoint: refused pickles exit 3 (invalid input) naming the global. */
Test(convert_pth, cli_refuses_a_malicious_checkpoint)
{
    const char *bin = getenv("EMOC_BIN"), *root = getenv("EMOC_ROOT");
    cr_assert(bin && root, "EMOC_BIN / EMOC_ROOT not set (run through `make test`)");
    char out[] = "/tmp/emoc_pth_cli_XXXXXX";
    int fd = mkstemp(out);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' convert '%s/tests/fixtures/pth/posix_system.pth' -o '%s' 2>&1",
             bin, root, out);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char text[1024] = "";
    size_t n = fread(text, 1, sizeof text - 1, p);
    text[n] = 0;
    int rc = pclose(p);
    unlink(out);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 3, "exit status %d, output: %s", rc, text);
    cr_assert(strstr(text, "global 'posix.system' refused"), "output: %s", text);
}
