/* test_qa_cli.c — adversarial CLI checks through $EMOC_BIN: a directory given where a model file
 * is expected, and the "nothing lost" contract on a raw stream with a short final frame (one row
 * per frame, in order, empty value fields on the error row, summary frames_in == rows_out,
 * exit 4), and output that cannot be written (file-size limit) failing the run instead of
 * dropping rows silently. Uses the tinynet fixture written to /tmp so the checks take milliseconds. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/cli_run.h"

static int qa_run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *qa_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "missing %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void qa_write_tiny(const char *path) { cli_write_tiny_file(path); }

Test(qa_cli, directory_as_model_is_named_as_such)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    char cmd[4096], errp[64];
    snprintf(errp, sizeof errp, "/tmp/emoc_qa_err_%d.txt", (int)getpid());
    snprintf(cmd, sizeof cmd, "'%s' predict -m /tmp --raw 16x16 - </dev/null >/dev/null 2>%s", bin, errp);
    int rc = qa_run(cmd);
    char *msg = qa_slurp(errp);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, msg);
    cr_assert(strstr(msg, "not a regular file") != NULL, "%s", msg);
    snprintf(cmd, sizeof cmd, "'%s' preprocess -m /tmp /dev/null -o /dev/null 2>%s", bin, errp);
    rc = qa_run(cmd);
    msg = qa_slurp(errp);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, msg);
    cr_assert(strstr(msg, "not a regular file") != NULL, "%s", msg);
    unlink(errp);
}

Test(qa_cli, raw_stream_short_final_frame_gives_one_row_per_frame)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    char model[64], raw[64], out[64], errp[64], cmd[4096];
    int pid = (int)getpid();
    snprintf(model, sizeof model, "/tmp/emoc_qa_tiny_%d.emw", pid);
    snprintf(raw, sizeof raw, "/tmp/emoc_qa_raw_%d.bin", pid);
    snprintf(out, sizeof out, "/tmp/emoc_qa_out_%d.csv", pid);
    snprintf(errp, sizeof errp, "/tmp/emoc_qa_err_%d.txt", pid);
    qa_write_tiny(model);
    FILE *f = fopen(raw, "wb");
    cr_assert(f);
    for (int i = 0; i < 3 * 16 * 16 * 3 + 7; i++) fputc((i * 37) & 255, f); /* 3 frames + 7 bytes */
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' predict -m %s --raw 16x16 - <%s >%s 2>%s", bin, model, raw, out, errp);
    int rc = qa_run(cmd);
    char *err = strdup(qa_slurp(errp));
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "frames_in=4 rows_out=4") != NULL, "%s", err);
    char *csv = qa_slurp(out);
    int rows = 0, ok = 0;
    for (char *line = strtok(csv, "\n"); line; line = strtok(NULL, "\n"), rows++) {
        if (rows == 0) continue; /* header */
        char want[32];
        snprintf(want, sizeof want, "-,%d,0,", rows);
        cr_assert_eq(strncmp(line, want, strlen(want)), 0, "row %d out of order: %s", rows, line);
        if (rows <= 3) {
            ok += strstr(line, ",ok,") != NULL;
        } else {
            cr_assert(strstr(line, ",truncated,") != NULL, "%s", line);
            for (const char *p = strstr(line, ",truncated,") + 11; *p; p++)
                cr_assert_eq(*p, ',', "non-empty value on an error row: %s", line);
        }
    }
    cr_assert_eq(rows, 5, "header + 4 rows expected, got %d lines", rows);
    cr_assert_eq(ok, 3);
    free(err);
    unlink(model);
    unlink(raw);
    unlink(out);
    unlink(errp);
}

/* With RLIMIT_FSIZE at 1 KiB (SIGXFSZ ignored) writes past it fail with EFBIG: predict used to
 * drop the remaining rows and still exit 0; it must exit 1 and say the rows were lost. */
Test(qa_cli, predict_output_write_failure_is_an_error)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    char model[64], out[64], errp[64], cmd[4096];
    int pid = (int)getpid();
    snprintf(model, sizeof model, "/tmp/emoc_qa_tiny_w%d.emw", pid);
    snprintf(out, sizeof out, "/tmp/emoc_qa_full_%d.csv", pid);
    snprintf(errp, sizeof errp, "/tmp/emoc_qa_werr_%d.txt", pid);
    qa_write_tiny(model);
    const char *fmt[] = {"-o %s", "--format jsonl > %s"};
    for (int k = 0; k < 2; k++) {
        char dest[128];
        snprintf(dest, sizeof dest, fmt[k], out);
        /* 40 frames of 16x16 give ~8 KiB of rows */
        snprintf(cmd, sizeof cmd,
                 "head -c %d /dev/zero | (trap '' XFSZ; ulimit -f 1; '%s' predict -m %s --raw 16x16 - -q %s) 2>%s",
                 40 * 768, bin, model, dest, errp);
        int rc = qa_run(cmd);
        char *msg = qa_slurp(errp);
        cr_assert_eq(rc, 1, "%s: rc %d: %s", fmt[k], rc, msg);
        cr_assert(strstr(msg, "rows were lost") != NULL, "%s", msg);
    }
    unlink(model);
    unlink(out);
    unlink(errp);
}

/* A --boxes or --raw file that cannot be opened is an I/O failure (exit 1) for both predict and
 * features; features used to call every input-open failure a usage error (exit 2). */
Test(qa_cli, missing_input_stream_is_io_error)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    char model[64], cmd[4096];
    snprintf(model, sizeof model, "/tmp/emoc_qa_tiny_m%d.emw", (int)getpid());
    qa_write_tiny(model);
    const char *tails[] = {"predict -m %s --boxes /nonexistent/b.csv", "predict -m %s --raw 16x16 /nonexistent/r.raw",
                           "features -m %s --boxes /nonexistent/b.csv -o /dev/null",
                           "features -m %s --raw 16x16 /nonexistent/r.raw -o /dev/null"};
    for (int k = 0; k < 4; k++) {
        char tail[256];
        snprintf(tail, sizeof tail, tails[k], model);
        snprintf(cmd, sizeof cmd, "'%s' %s -q >/dev/null 2>&1", bin, tail);
        cr_assert_eq(qa_run(cmd), 1, "%s", tail);
    }
    unlink(model);
}

/* Commands that report on stdout (here `emoc info`, ~9 KiB for tinynet with its plan) exited 0
 * when stdout could not be written; the dispatcher now checks stdout and exits 1. */
Test(qa_cli, stdout_write_failure_is_an_error)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    char model[64], out[64], cmd[4096];
    snprintf(model, sizeof model, "/tmp/emoc_qa_tiny_i%d.emw", (int)getpid());
    snprintf(out, sizeof out, "/tmp/emoc_qa_info_%d.txt", (int)getpid());
    qa_write_tiny(model);
    snprintf(cmd, sizeof cmd, "'%s' info %s >%s 2>&1", bin, model, out);
    cr_assert_eq(qa_run(cmd), 0, "info works when stdout is writable");
    FILE *f = fopen(out, "rb");
    cr_assert(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    cr_assert_gt(size, 1024, "the report must exceed the 1 KiB limit below (%ld bytes)", size);
    snprintf(cmd, sizeof cmd, "(trap '' XFSZ; ulimit -f 1; '%s' info %s >%s 2>/dev/null)", bin, model, out);
    cr_assert_eq(qa_run(cmd), 1);
    unlink(model);
    unlink(out);
}
