/* test_cli_enet.c — `emoc convert`, `emoc predict` and `emoc bench` end to end through the CLI
 * binary (EMOC_BIN) on a synthetic EfficientNet-B0 export: row format, failed rows, exit codes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/convert/enet_synth.h"

static char dir[256];

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* Runs a shell command, captures stdout into out (cap bytes); returns the exit status. */
static int run(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p, "popen %s", cmd);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *bin(void)
{
    const char *b = getenv("EMOC_BIN");
    cr_assert(b, "EMOC_BIN not set (run through make test)");
    return b;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/emoc_cli_enet_XXXXXX");
    cr_assert(mkdtemp(dir));
    enet_synth_opts o = {.n_scores = 8, .trans_b = 1};
    size_t size;
    uint8_t *onnx = enet_synth_build(&o, &size);
    cr_assert(onnx);
    char path[512], cmd[1024], out[4096];
    snprintf(path, sizeof path, "%s/enet_b0_8_best_afew.onnx", dir);
    write_file(path, onnx, size);
    free(onnx);
    snprintf(cmd, sizeof cmd, "%s convert %s -o %s/m.emw 2>&1", bin(), path, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "convert failed: %s", out);
    /* The same model at input 64 keeps the runs below fast (the net reads its input size from
     * metadata; weights do not depend on it). */
    emoc_error err = {{0}};
    size_t emw_size = 0;
    uint8_t *emw = enet_synth_emw(&o, "enet_b0_8_best_afew.onnx", 64, &emw_size, &err);
    cr_assert(emw, "%s", err.msg);
    snprintf(path, sizeof path, "%s/s.emw", dir);
    write_file(path, emw, emw_size);
    free(emw);
    size_t n = 3 * 64 * 64;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    snprintf(path, sizeof path, "%s/in.f32", dir);
    write_file(path, x, n * sizeof(float));
    /* A 10×7 P6 image (any size: the model resizes it). */
    char ppm[64 + 10 * 7 * 3];
    int hl = snprintf(ppm, 64, "P6\n10 7\n255\n");
    for (int i = 0; i < 10 * 7 * 3; i++) ppm[hl + i] = (char)(i * 37);
    snprintf(path, sizeof path, "%s/face.ppm", dir);
    write_file(path, ppm, (size_t)hl + 10 * 7 * 3);
    snprintf(path, sizeof path, "%s/short.f32", dir);
    write_file(path, x, 12);
    free(x);
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {
    }
}

TestSuite(cli_enet, .init = setup, .fini = teardown);

Test(cli_enet, predict_jsonl_rows_and_failed_input)
{
    char cmd[2048];
    static char out[200000];
    snprintf(cmd, sizeof cmd, "%s predict -m %s/s.emw --tensor %s/in.f32 --tensor %s/short.f32 "
             "--format jsonl --embedding 2>/dev/null", bin(), dir, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 4, "some rows failed → exit 4; output: %.300s", out);
    char *l2 = strchr(out, '\n');
    cr_assert(l2);
    *l2++ = 0;
    cr_assert(strstr(out, "\"status\":\"ok\""), "%.300s", out);
    cr_assert(strstr(out, "\"frame\":null,\"face_id\":0"), "%.300s", out);
    cr_assert(strstr(out, "\"valence\":null,\"arousal\":null"));
    cr_assert(strstr(out, "\"label\":\""));
    const char *sc = strstr(out, "\"scores\":[");
    cr_assert(sc);
    int commas = 0;
    for (const char *p = sc; *p && *p != ']'; p++) commas += *p == ',';
    cr_assert_eq(commas, 7, "8 scores");
    const char *pr = strstr(out, "\"probs\":[") + 9;
    double sum = 0;
    for (int i = 0; i < 8; i++) {
        char *end;
        sum += strtod(pr, &end);
        pr = end + 1;
    }
    cr_assert_float_eq(sum, 1.0, 1e-5);
    const char *em = strstr(out, "\"embedding\":[");
    cr_assert(em);
    commas = 0;
    for (const char *p = em; *p && *p != ']'; p++) commas += *p == ',';
    cr_assert_eq(commas, 1279);
    cr_assert(strstr(l2, "\"status\":\"size_mismatch\""), "%s", l2);
    cr_assert(strstr(l2, "\"probs\":null,\"scores\":null"), "%s", l2);
}

Test(cli_enet, predict_csv_header_names_the_classes)
{
    char cmd[2048];
    static char out[20000];
    snprintf(cmd, sizeof cmd, "%s predict -m %s/s.emw --tensor %s/in.f32 -o %s/o.csv && cat %s/o.csv",
             bin(), dir, dir, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(!strncmp(out, "input,frame,face_id,status,label,prob_anger,prob_contempt,", 58), "%.200s", out);
    cr_assert(strstr(out, "score_7,valence,arousal\n"), "%.400s", out);
    char *row = strchr(out, '\n') + 1;
    cr_assert(strstr(row, ",,0,ok,"), "%s", row);
}

Test(cli_enet, predict_images_one_row_each_even_when_missing)
{
    char cmd[2048];
    static char out[20000];
    snprintf(cmd, sizeof cmd, "%s predict -m %s/s.emw %s/face.ppm %s/missing.ppm -q --format jsonl "
             "2>/dev/null", bin(), dir, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 4, "%s", out);
    char *l2 = strchr(out, '\n');
    cr_assert(l2);
    *l2++ = 0;
    cr_assert(strstr(out, "face.ppm\"") && strstr(out, "\"status\":\"ok\""), "%s", out);
    cr_assert(strstr(l2, "missing.ppm\"") && strstr(l2, "\"status\":\"io_error\"") &&
              strstr(l2, "\"scores\":null"), "%s", l2);
}

Test(cli_enet, convert_errors_and_bench)
{
    char cmd[2048], out[4096];
    const char *root = getenv("EMOC_ROOT");
    snprintf(cmd, sizeof cmd, "%s convert %s/tests/fixtures/onnx/unknown_op.onnx -o %s/x.emw 2>&1",
             bin(), root ? root : ".", dir);
    cr_assert_eq(run(cmd, out, sizeof out), 3, "%s", out);
    cr_assert(strstr(out, "node 4 'tail' (Relu) does not match"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert %s/in.f32 2>&1", bin(), dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "missing -o is a usage error: %s", out);
    snprintf(cmd, sizeof cmd, "%s bench -m %s/s.emw --runs 2 --warmup 1 --json", bin(), dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "\"median_ms\":") && strstr(out, "\"threads\":1,\"runs\":2"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s bench -m %s/s.emw --runs 2 --roofline-ms -1 2>&1", bin(), dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "a negative floor is a usage error: %s", out);
    cr_assert(strstr(out, "--roofline-ms expects a positive number"), "%s", out);
}

/* --per-op shares are each op's part of the summed medians (they add up to 1); --roofline-ms
 * echoes the floor and median / floor. */
Test(cli_enet, bench_shares_and_roofline)
{
    static char out[1 << 16];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s bench -m %s/s.emw --runs 3 --warmup 1 --loads 0 --json --per-op "
             "--roofline-ms 0.5", bin(), dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    const char *r = strstr(out, "\"roofline_ms\":0.5000,\"vs_roofline\":");
    cr_assert(r, "%s", out);
    double median = strtod(strstr(out, "\"median_ms\":") + 12, NULL);
    double ratio = strtod(r + strlen("\"roofline_ms\":0.5000,\"vs_roofline\":"), NULL);
    cr_assert(fabs(ratio - median / 0.5) <= 0.001 + 1e-3 * ratio, "ratio %g, median %g", ratio, median);
    double sum = 0;
    int n = 0;
    for (const char *q = strstr(out, "\"share\":"); q; q = strstr(q + 1, "\"share\":"), n++) {
        double v = strtod(q + 8, NULL);
        cr_assert(v >= 0 && v <= 1, "share %g", v);
        sum += v;
    }
    cr_assert_gt(n, 3, "one share per op: %s", out);
    cr_assert(fabs(sum - 1.0) < 1e-3 * n, "shares add up to %g over %d ops", sum, n);
}

/* `emoc convert --dtype bf16|int8 [--int8-act R] [--calib]` (docs/precision.md): calibrated int8
 * without calibration, calibration with row-max or without int8 are usage errors that say why;
 * int8 without --calib is row-max (EMW 1.3); a calibration file that cannot be used is named;
 * the files load and `emoc info` shows dtype, the activation rule, calibration set and scale
 * ranges. */
Test(cli_enet, convert_reduced_precision)
{
    static char out[1 << 18]; /* the tensor table of `emoc info` comes first */
    char cmd[2048];
    const char *b = bin();
    snprintf(cmd, sizeof cmd, "%s convert --dtype int8 --int8-act calibrated %s/enet_b0_8_best_afew.onnx "
             "-o %s/i8.emw 2>&1", b, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "needs --calib IMAGES_OR_DIR") && strstr(out, "activation scale"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert --dtype int8 --int8-act row-max --calib %s/face.ppm "
             "%s/enet_b0_8_best_afew.onnx -o %s/i8.emw 2>&1", b, dir, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "--calib is for --int8-act calibrated"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert --dtype int8 --int8-act median %s/enet_b0_8_best_afew.onnx "
             "-o %s/i8.emw 2>&1", b, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "--int8-act expects row-max or calibrated, got 'median'"), "%s", out);
    /* int8 without --calib: row-max, EMW 1.3, runs */
    snprintf(cmd, sizeof cmd, "%s convert --dtype int8 %s/enet_b0_8_best_afew.onnx -o %s/i8r.emw 2>&1 && "
             "%s info --no-plan %s/i8r.emw && %s predict -m %s/i8r.emw %s/face.ppm --format jsonl 2>/dev/null",
             b, dir, dir, b, dir, b, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "format EMW 1.3"), "%s", out);
    cr_assert(strstr(out, "int8 activations: rule row-max: "), "%s", out);
    cr_assert(strstr(out, "\"status\":\"ok\""), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert --dtype bf16 --calib %s/face.ppm %s/enet_b0_8_best_afew.onnx "
             "-o %s/b.emw 2>&1", b, dir, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "--calib is for --dtype int8"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert --dtype int8 --calib %s/short.f32 %s/enet_b0_8_best_afew.onnx "
             "-o %s/i8.emw 2>&1", b, dir, dir, dir);
    cr_assert_neq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "short.f32: wrong size"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert --dtype int8 --calib %s/face.ppm %s/enet_b0_8_best_afew.onnx "
             "-o %s/i8.emw 2>&1 && %s info --no-plan %s/i8.emw", b, dir, dir, dir, b, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "format EMW 1.2"), "%s", out);
    cr_assert(strstr(out, "reduced precision: dtype int8; 0 bf16 and "), "%s", out);
    cr_assert(strstr(out, "rule calibrated; calibration: 1 inputs, SHA-256 of the preprocessed set "), "%s", out);
    cr_assert(strstr(out, "int8 activation scales "), "%s", out);
    snprintf(cmd, sizeof cmd, "%s convert --dtype bf16 %s/enet_b0_8_best_afew.onnx -o %s/b.emw 2>&1 && "
             "%s info --no-plan %s/b.emw && %s predict -m %s/b.emw %s/face.ppm --format jsonl 2>/dev/null",
             b, dir, dir, b, dir, b, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "reduced precision: dtype bf16; "), "%s", out);
    cr_assert(strstr(out, "\"status\":\"ok\""), "%s", out);
}
