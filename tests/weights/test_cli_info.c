/*
 * test_cli_info.c — `emoc info` end to end: runs $EMOC_BIN on generated files (tinynet from
 * tests/core/tinynet_fixture.c, the EMW fixture) and checks real content of the output and the
 * exit codes for valid, damaged, truncated and missing files.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/core/tinynet_fixture.h"
#include "tests/weights/emw_fixture.h"
#include "engine/emw/emw.h"
#include "engine/base/sha256.h"

typedef struct run_result {
    char out[65536];
    char err[4096];
    int rc;
} run_result;

static void write_file(const char *path, const uint8_t *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(buf, 1, n, fp), n);
    fclose(fp);
}

static void slurp(FILE *fp, char *dst, size_t cap)
{
    size_t n = fread(dst, 1, cap - 1, fp);
    dst[n] = '\0';
}

/* Runs `emoc info ARGS`, capturing stdout and stderr separately. */
static void run_info(const char *args, run_result *r)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert_not_null(bin, "EMOC_BIN not set (run through make test)");
    char errpath[] = "/tmp/emoc_info_err_XXXXXX";
    int fd = mkstemp(errpath);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' info %s 2>'%s'", bin, args, errpath);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    slurp(p, r->out, sizeof r->out);
    int status = pclose(p);
    r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    FILE *e = fopen(errpath, "r");
    slurp(e, r->err, sizeof r->err);
    fclose(e);
    remove(errpath);
}

static char *tmp_emw(char *path_template, const uint8_t *buf, size_t n)
{
    int fd = mkstemp(path_template);
    cr_assert_geq(fd, 0);
    close(fd);
    write_file(path_template, buf, n);
    return path_template;
}

Test(cli_info, tinynet_file_is_described_with_plan)
{
    tiny_opts o;
    tiny_default(&o);
    size_t size;
    uint8_t *buf = tiny_build(&o, &size);
    cr_assert_not_null(buf);
    emw_file f;
    emoc_error e;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &e), EMOC_OK, "%s", e.msg);
    char path[] = "/tmp/emoc_info_tiny_XXXXXX";
    tmp_emw(path, buf, size);
    run_result *r = malloc(sizeof *r);
    run_info(path, r);
    cr_assert_eq(r->rc, 0, "rc %d, stderr: %s", r->rc, r->err);

    char want[512];
    snprintf(want, sizeof want, "size %zu bytes, CRC-32 of the whole file 0x%08x", size,
             emoc__crc32(0, buf, size));
    cr_assert(strstr(r->out, want), "missing '%s' in:\n%s", want, r->out);
    char sha[65];
    emoc__sha256_hex(buf, size, sha);
    snprintf(want, sizeof want, "  SHA-256 %s\n", sha);
    cr_assert(strstr(r->out, want), "missing '%s'", want);
    snprintf(want, sizeof want, "metadata (%zu keys):", f.n_meta);
    cr_assert(strstr(r->out, want), "missing '%s'", want);
    cr_assert(strstr(r->out, "emoc.arch                str      \"tinynet\""), "%s", r->out);
    cr_assert(strstr(r->out, "input.mean               f64[3]   [0.485, 0.456, 0.406]"), "%s", r->out);
    cr_assert(strstr(r->out, "output.labels            str[8]   [\"Anger\", \"Contempt\""), "%s", r->out);
    /* Tensor table row of the stem weight with its CRC and status. */
    const emw_tensor *t = emw_find_tensor(&f, "stem.weight");
    snprintf(want, sizeof want, "stem.weight%*s f32   8x3x3x3 %*s%10llu %10llu  0x%08x ok",
             (int)(strlen("se.expand.weight") - strlen("stem.weight")), "", 9, "",
             (unsigned long long)t->offset, (unsigned long long)t->nbytes, t->crc32);
    cr_assert(strstr(r->out, want), "missing '%s' in:\n%s", want, r->out);
    uint64_t params = 0;
    for (size_t i = 0; i < f.n_tensors; i++) params += f.tensors[i].count;
    snprintf(want, sizeof want, "parameters: %llu in %zu tensors", (unsigned long long)params,
             f.n_tensors);
    cr_assert(strstr(r->out, want), "missing '%s'", want);
    snprintf(want, sizeof want, "checksums: header CRC-32 0x%08x ok; tensor CRC-32s %zu/%zu ok",
             f.header_crc32, f.n_tensors, f.n_tensors);
    cr_assert(strstr(r->out, want), "missing '%s'", want);
    cr_assert(strstr(r->out, "network metadata: ok"));
    /* Plan dump: the first op is the stem conv with its weights and their CRCs. */
    cr_assert(strstr(r->out, "\nplan: "), "%s", r->out);
    snprintf(want, sizeof want, "w=stem.weight,stem.bias crc=%08x,%08x", t->crc32,
             emw_find_tensor(&f, "stem.bias")->crc32);
    cr_assert(strstr(r->out, want), "missing '%s' in:\n%s", want, r->out);
    cr_assert(strstr(r->out, "op=0 conv2d node=stem kernel=emoc_f32_"), "%s", r->out);
    cr_assert(strstr(r->out, "in=1x16x16x3 out=1x8x8x8"), "%s", r->out);
    cr_assert(strstr(r->out, "node=fc "), "%s", r->out);
    cr_assert(strstr(r->out, " FLOPs ("), "%s", r->out);
    free(r);
    emw_file_release(&f);
    free(buf);
    remove(path);
}

Test(cli_info, no_plan_and_dead_parameters)
{
    uint8_t *buf;
    size_t size;
    cr_assert_eq(fx_build(&buf, &size), EMOC_OK);
    char path[] = "/tmp/emoc_info_fx_XXXXXX";
    tmp_emw(path, buf, size);
    run_result *r = malloc(sizeof *r);
    char args[256];
    snprintf(args, sizeof args, "--no-plan %s", path);
    run_info(args, r);
    cr_assert_eq(r->rc, 0, "rc %d: %s", r->rc, r->err);
    cr_assert(strstr(r->out, "plan: skipped (--no-plan)"));
    cr_assert(strstr(r->out, "dead parameters accepted and ignored (1 prefixes in ignored.prefixes):\n"
                             "  \"aux.\"  no tensor with this prefix in the file (not converted)\n"),
              "%s", r->out);
    cr_assert(strstr(r->out, "head.fc.weight"));
    cr_assert(strstr(r->out, "f16   10x4"), "%s", r->out);
    cr_assert(strstr(r->out, "test.i64s                i64[3]   [-1, 0, 9223372036854775807]"), "%s",
              r->out);
    free(r);
    free(buf);
    remove(path);
}

Test(cli_info, damaged_truncated_missing_and_usage)
{
    uint8_t *buf;
    size_t size;
    cr_assert_eq(fx_build(&buf, &size), EMOC_OK);
    uint64_t hb = fx_get64(buf + 32);
    size_t data_off = (size_t)((hb + 63) & ~(uint64_t)63);
    run_result *r = malloc(sizeof *r);
    char path[] = "/tmp/emoc_info_bad_XXXXXX";

    /* Tensor data damaged: table still shown with the tensor marked, exit 3. */
    buf[data_off + 8] ^= 1;
    tmp_emw(path, buf, size);
    run_info(path, r);
    cr_assert_eq(r->rc, 3, "rc %d", r->rc);
    cr_assert(strstr(r->out, "CRC MISMATCH (data gives 0x"), "%s", r->out);
    cr_assert(strstr(r->out, "tensor CRC-32s 3/4 ok"), "%s", r->out);
    cr_assert(strstr(r->err, "tensor 'stem.conv.weight': CRC-32 mismatch"), "%s", r->err);
    buf[data_off + 8] ^= 1;

    /* Truncated. */
    write_file(path, buf, size - 10);
    run_info(path, r);
    cr_assert_eq(r->rc, 3);
    cr_assert(strstr(r->err, "invalid EMW file: data section of"), "%s", r->err);
    cr_assert(strstr(r->err, "(truncated input)"), "%s", r->err);

    /* Not an EMW file at all. */
    write_file(path, (const uint8_t *)"P6\n1 1\n255\nabc", 15);
    run_info(path, r);
    cr_assert_eq(r->rc, 3);
    cr_assert(strstr(r->err, "bad magic at offset 0"), "%s", r->err);
    remove(path);

    /* Missing file: runtime (I/O) failure. */
    run_info("/nonexistent/model.emw", r);
    cr_assert_eq(r->rc, 1);
    cr_assert(strstr(r->err, "cannot open"), "%s", r->err);

    run_info("", r);
    cr_assert_eq(r->rc, 2);
    run_info("--bogus x.emw", r);
    cr_assert_eq(r->rc, 2);
    cr_assert(strstr(r->err, "unknown option '--bogus'"));
    free(r);
    free(buf);
}

Test(cli_info, mtl_head_file_has_no_plan)
{
    const char *root = getenv("EMOC_ROOT");
    char args[4096];
    snprintf(args, sizeof args, "'%s/tests/fuzz/corpus/emw/mtl_head.emw'", root ? root : ".");
    run_result *r = malloc(sizeof *r);
    run_info(args, r);
    cr_assert_eq(r->rc, 0, "rc %d: %s", r->rc, r->err);
    cr_assert(strstr(r->out, "emoc.arch                str      \"mtl_head\""), "%s", r->out);
    cr_assert(strstr(r->out, "network metadata: ok"), "%s", r->out);
    cr_assert(strstr(r->out, "plan: none (an mtl_head file"), "%s", r->out);
    free(r);
}
