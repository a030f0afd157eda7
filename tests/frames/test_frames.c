/* test_frames.c — tools/frame_runner.c end to end through `emoc predict` ($EMOC_BIN): threads
 * inside ops or across frames give byte-identical output, rows in input order, one row per
 * frame (frames_in == rows_out in the summary), exit 4 when a row failed; for a folder with a
 * corrupt frame in the middle and for a raw stream with a short last frame, threads 1..3. */
#include "tests/cli_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static cli_scratch scratch; /* the scratch directory with tiny.emw (tests/cli_run.h) */

static void setup(void) { cli_scratch_init_tiny(&scratch, "tiny.emw"); }
static void teardown(void) { cli_scratch_free(&scratch); }

/* Pixel value of frame k at byte i: every frame differs, so a swapped row would show. */
static unsigned char px(int k, int i)
{
    return (unsigned char)((i * 7 + k * 53 + (i / 48) * k) & 0xff);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert(s);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* Runs predict with `args`; returns exit status, stdout and stderr texts (malloc'ed). */
static int predict(const char *args, char **out, char **err)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set (run through make test)");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' predict -m %s/tiny.emw %s > %s/out.txt 2> %s/err.txt", bin, scratch.dir, args, scratch.dir, scratch.dir);
    int rc = system(cmd);
    char p[256];
    snprintf(p, sizeof p, "%s/out.txt", scratch.dir);
    *out = slurp(p);
    snprintf(p, sizeof p, "%s/err.txt", scratch.dir);
    *err = slurp(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Runs `inputs` with threads 1..3 × ops|frames|auto; every output equals the 1-thread ops one,
 * which has `rows` rows, the `bad`-th (1-based) failing with `bad_status`. */
static void check_modes(const char *inputs, int rows, int bad, const char *bad_status, const char *row_prefix)
{
    char args[1024], *ref, *err;
    snprintf(args, sizeof args, "%s --threads 1 --batch-mode ops", inputs);
    cr_assert_eq(predict(args, &ref, &err), 4, "exit status with a failed row; stderr: %s", err);
    cr_assert_eq(count_lines(ref), 1 + rows, "one row per frame: %s", ref);
    char want[64];
    snprintf(want, sizeof want, "frames_in=%d rows_out=%d errors=1", rows, rows);
    cr_assert(strstr(err, want), "summary: %s", err);
    free(err);
    /* rows in input order, each with its own values */
    const char *line = strchr(ref, '\n') + 1, *prev = NULL;
    for (int k = 1; k <= rows; k++) {
        if (row_prefix) {
            char p[128];
            snprintf(p, sizeof p, row_prefix, k, k == bad ? bad_status : "ok");
            cr_assert(!strncmp(line, p, strlen(p)), "row %d: want '%s', got %.80s", k, p, line);
        }
        const char *end = strchr(line, '\n');
        if (k != bad && prev) {
            const char *a = strchr(strchr(prev, ',') + 1, ','), *b = strchr(strchr(line, ',') + 1, ',');
            cr_assert(strncmp(a, b, (size_t)(end - line) - (size_t)(b - line)), "rows %d and %d equal", k - 1, k);
        }
        if (k != bad) prev = line;
        line = end + 1;
    }
    const char *modes[] = {"ops", "frames", "auto"};
    for (int t = 1; t <= 3; t++)
        for (int m = 0; m < 3; m++) {
            char *out;
            snprintf(args, sizeof args, "%s --threads %d --batch-mode %s", inputs, t, modes[m]);
            int rc = predict(args, &out, &err);
            cr_assert_eq(rc, 4, "%s: exit %d", args, rc);
            cr_assert_str_eq(out, ref, "%s: output differs", args);
            cr_assert(strstr(err, want), "%s: summary: %s", args, err);
            free(out);
            free(err);
        }
    free(ref);
}

Test(frames, folder_with_corrupt_frame_bitwise_identical_across_modes, .init = setup, .fini = teardown)
{
    char p[256];
    snprintf(p, sizeof p, "%s/vid", scratch.dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    const int n = 9, bad = 5, w = 20, h = 18;
    for (int k = 1; k <= n; k++) {
        snprintf(p, sizeof p, "%s/vid/%05d.ppm", scratch.dir, k);
        FILE *f = fopen(p, "wb");
        cr_assert(f);
        if (k == bad) {
            fputs("P6\n20 18\n255\n", f); /* pixel data cut short */
            for (int i = 0; i < 100; i++) fputc(px(k, i), f);
        } else {
            fprintf(f, "P6\n%d %d\n255\n", w, h);
            for (int i = 0; i < w * h * 3; i++) fputc(px(k, i), f);
        }
        fclose(f);
    }
    char inputs[300];
    snprintf(inputs, sizeof inputs, "%s/vid/", scratch.dir);
    check_modes(inputs, n, bad, "truncated", NULL);
    /* rows start with the path: check the frame and status columns here */
    char *out, *err;
    char args[400];
    snprintf(args, sizeof args, "%s --threads 3 --batch-mode frames", inputs);
    cr_assert_eq(predict(args, &out, &err), 4);
    const char *line = strchr(out, '\n') + 1;
    for (int k = 1; k <= n; k++) {
        char want[64];
        snprintf(want, sizeof want, "%05d.ppm,%d,0,%s,", k, k, k == bad ? "truncated" : "ok");
        cr_assert(strstr(line, want) && strstr(line, want) < strchr(line, '\n'), "row %d: %.80s", k, line);
        line = strchr(line, '\n') + 1;
    }
    free(out);
    free(err);
}

Test(frames, raw_stream_short_last_frame_bitwise_identical_across_modes, .init = setup, .fini = teardown)
{
    char p[256];
    snprintf(p, sizeof p, "%s/clip.rgb", scratch.dir);
    FILE *f = fopen(p, "wb");
    cr_assert(f);
    const int n = 7, fb = 16 * 16 * 3;
    for (int k = 1; k <= n; k++)
        for (int i = 0; i < (k == n ? fb / 2 : fb); i++) fputc(px(k, i), f);
    fclose(f);
    char inputs[300];
    /* stdin: the total is unknown, as for a pipe */
    snprintf(inputs, sizeof inputs, "--raw 16x16 - < %s", p);
    check_modes(inputs, n, n, "truncated", "-,%d,0,%s,");
    /* the same file by path (total known) */
    snprintf(inputs, sizeof inputs, "--raw 16x16 %s", p);
    char *out, *err, args[400];
    snprintf(args, sizeof args, "%s --threads 2", inputs);
    cr_assert_eq(predict(args, &out, &err), 4);
    cr_assert_eq(count_lines(out), 1 + n);
    free(out);
    free(err);
}

Test(frames, usage_errors, .init = setup, .fini = teardown)
{
    char *out, *err;
    cr_assert_eq(predict("x.png --batch-mode sideways", &out, &err), 2);
    cr_assert(strstr(err, "--batch-mode"), "%s", err);
    free(out);
    free(err);
}

/* `emoc features` runs through the same runner: same file for every mode and thread count, the
 * corrupt frame left out (it is "no face" there) and exit 4. */
Test(frames, features_identical_across_modes, .init = setup, .fini = teardown)
{
    char p[256];
    snprintf(p, sizeof p, "%s/v1", scratch.dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    const int n = 6, bad = 3;
    for (int k = 1; k <= n; k++) {
        snprintf(p, sizeof p, "%s/v1/%05d.ppm", scratch.dir, k);
        FILE *f = fopen(p, "wb");
        cr_assert(f);
        fputs(k == bad ? "P6\n0 18\n255\n" : "P6\n16 16\n255\n", f);
        for (int i = 0; i < 16 * 16 * 3; i++) fputc(px(k, i), f);
        fclose(f);
    }
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin);
    char *ref = NULL;
    const char *modes[] = {"ops", "frames"};
    for (int t = 1; t <= 3; t++)
        for (int m = 0; m < 2; m++) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd, "'%s' features -m %s/tiny.emw %s/v1 --csv -o %s/f.csv -q --threads %d --batch-mode %s",
                     bin, scratch.dir, scratch.dir, scratch.dir, t, modes[m]);
            int rc = system(cmd);
            cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 4, "%s: status %d", cmd, rc);
            snprintf(p, sizeof p, "%s/f.csv", scratch.dir);
            char *got = slurp(p);
            if (!ref) {
                ref = got;
                cr_assert_eq(count_lines(ref), 2 + n - 1, "comment, header, one line per decoded frame: %s", ref);
                for (int k = 1, line = 0; k <= n; k++) {
                    if (k == bad) continue;
                    const char *s = ref;
                    for (int j = 0; j < 2 + line; j++) s = strchr(s, '\n') + 1;
                    char want[32];
                    snprintf(want, sizeof want, "v1,%d,0,", k);
                    cr_assert(!strncmp(s, want, strlen(want)), "line %d: %.40s", line, s);
                    line++;
                }
                continue;
            }
            cr_assert_str_eq(got, ref, "%s: features differ", cmd);
            free(got);
        }
    free(ref);
}
