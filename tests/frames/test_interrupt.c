/* test_interrupt.c — how a frame run ends when it is told to, through `emoc predict --raw`:
 * SIGINT/SIGTERM finish the frame in progress, every row is whole and flushed, the summary says
 * "interrupted after N frames" with N = rows written, exit 130/143; a reader that goes away
 * (| head) ends the run at once: killed by SIGPIPE (141 in a shell), or, with SIGPIPE ignored,
 * exit 141 after computing almost nothing more; a model file truncated or replaced during the
 * run changes nothing (it was read whole at load); --ftz is recorded in the summary. */
#include "tests/cli_run.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W 16
#define FRAME (W * W * 3)

static cli_scratch scratch;
static void setup(void)
{
    signal(SIGPIPE, SIG_IGN); /* our writes to a child that has exited must not kill the test */
    cli_scratch_init_tiny(&scratch, "tiny.emw");
}
static void teardown(void) { cli_scratch_free(&scratch); }

static void frame_bytes(int k, unsigned char *b)
{
    for (int i = 0; i < FRAME; i++) b[i] = (unsigned char)((i * 7 + k * 31) & 0xff);
}

/* must: assert every byte went (else the reader may have left: stop quietly). */
static void send_frames_opt(int fd, int from, int n, int must)
{
    unsigned char b[FRAME];
    for (int k = from; k < from + n; k++) {
        frame_bytes(k, b);
        ssize_t w = write(fd, b, FRAME);
        if (!must && w != FRAME) return;
        cr_assert_eq(w, FRAME);
    }
}

static void send_frames(int fd, int from, int n) { send_frames_opt(fd, from, n, 1); }

static void write_stream(const char *name, int n)
{
    char path[256];
    FILE *f = fopen(cli_scratch_path(&scratch, name, path, sizeof path), "wb");
    cr_assert(f);
    unsigned char b[FRAME];
    for (int k = 0; k < n; k++) {
        frame_bytes(k, b);
        cr_assert_eq(fwrite(b, 1, FRAME, f), (size_t)FRAME);
    }
    cr_assert_eq(fclose(f), 0);
}

/* Reads everything left on fd into buf (NUL-terminated); returns its length. */
static size_t drain(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, cap - 1 - n)) > 0) n += (size_t)r;
    buf[n] = 0;
    close(fd);
    return n;
}

/* Every line of text ends in '\n' and has as many fields as the header. */
static int check_rows(const char *text)
{
    const char *nl = strchr(text, '\n');
    cr_assert(nl, "no header");
    int fields = 0;
    for (const char *p = text; p < nl; p++) fields += *p == ',';
    int rows = 0;
    for (const char *line = nl + 1; *line; rows++) {
        const char *end = strchr(line, '\n');
        cr_assert(end, "row %d is cut short: '%s'", rows + 1, line);
        int f = 0;
        for (const char *p = line; p < end; p++) f += *p == ',';
        cr_assert_eq(f, fields, "row %d has %d separators, the header %d", rows + 1, f, fields);
        line = end + 1;
    }
    return rows;
}

/* Appends n lines read from fd to buf at *len. */
static void take_lines(int fd, int n, char *buf, size_t cap, size_t *len)
{
    char c;
    while (n > 0 && *len + 1 < cap && read(fd, &c, 1) == 1) {
        buf[(*len)++] = c;
        n -= c == '\n';
    }
    buf[*len] = 0;
    cr_assert_eq(n, 0, "the output ended early");
}

static void interrupted_by(int sig, int expect_rc, const char *name)
{
    int to, from;
    pid_t pid = cli_spawn(&scratch, "", "predict -m tiny.emw --raw 16x16 -", NULL, &to, &from, 0);
    static char out[1 << 16];
    size_t len = 0;
    send_frames(to, 0, 5);
    take_lines(from, 1 + 5, out, sizeof out, &len); /* the header and 5 rows: the run is mid-stream */
    cr_assert_eq(kill(pid, sig), 0);
    usleep(50 * 1000);
    send_frames_opt(to, 5, 1, 0);  /* the frame whose read the signal interrupted */
    send_frames_opt(to, 6, 50, 0); /* frames after the signal: never started (the pipe may refuse them) */
    close(to);
    drain(from, out + len, sizeof out - len);
    int rc = cli_wait(pid);
    char err[4096];
    cli_read_text(&scratch, "cli_stderr.txt", err, sizeof err);
    cr_assert_eq(rc, expect_rc, "exit %d, stderr: %s", rc, err);
    int rows = check_rows(out); /* all rows whole, each with every field */
    char want[96];
    snprintf(want, sizeof want, "interrupted after %d frames (%s)", rows, name);
    cr_assert(strstr(err, want), "expected '%s' in: %s", want, err);
    cr_assert(rows >= 5 && rows <= 6, "%d rows: frames after the signal were computed", rows);
    char counts[96];
    snprintf(counts, sizeof counts, "frames_in=%d rows_out=%d", rows, rows);
    cr_assert(strstr(err, counts), "expected '%s' in: %s", counts, err);
}

Test(interrupt, sigint_finishes_the_frame_and_exits_130, .init = setup, .fini = teardown)
{
    interrupted_by(SIGINT, 130, "SIGINT");
}

Test(interrupt, sigterm_finishes_the_frame_and_exits_143, .init = setup, .fini = teardown)
{
    interrupted_by(SIGTERM, 143, "SIGTERM");
}

/* | head -n 3: the reader closes after three lines. */
static int reader_leaves_early(int ignore_sigpipe, char *err, size_t errlen)
{
    write_stream("long.raw", 5000);
    int from;
    pid_t pid = cli_spawn(&scratch, "", "predict -m tiny.emw --raw 16x16 long.raw", NULL, NULL, &from,
                          ignore_sigpipe);
    cli_read_lines(from, 3);
    close(from);
    int rc = cli_wait(pid);
    cli_read_text(&scratch, "cli_stderr.txt", err, errlen);
    return rc;
}

Test(interrupt, closed_pipe_kills_with_sigpipe, .init = setup, .fini = teardown)
{
    char err[4096];
    int rc = reader_leaves_early(0, err, sizeof err);
    cr_assert_eq(rc, 128 + SIGPIPE, "exit %d (141 = killed by SIGPIPE): %s", rc, err);
}

Test(interrupt, closed_pipe_with_sigpipe_ignored_stops_at_once_with_141, .init = setup, .fini = teardown)
{
    char err[4096];
    int rc = reader_leaves_early(1, err, sizeof err);
    cr_assert_eq(rc, 141, "exit %d: %s", rc, err);
    const char *p = strstr(err, "frames_in=");
    cr_assert(p, "no summary: %s", err);
    long frames = atol(p + 10);
    /* rows fill the 64 KiB pipe (~150 bytes each) before the reader leaves; after that at most
     * the frames in flight are computed, far from the 5000 of the stream */
    cr_assert(frames < 1500, "%ld of 5000 frames computed after the reader left: %s", frames, err);
    cr_assert(strstr(err, "output failed, rows were lost: "), "the loss is not said first: %s", err);
    cr_assert(strstr(err, "output failed") < strstr(err, "rows_out="), "%s", err);
}

Test(interrupt, model_file_truncated_or_replaced_mid_run_changes_nothing, .init = setup, .fini = teardown)
{
    static char ref[1 << 15], got[1 << 15];
    char path[256], other[256];
    write_stream("six.raw", 6);
    cr_assert_eq(cli_run(&scratch, "predict -m tiny.emw --raw 16x16 six.raw -q", ref, sizeof ref, NULL, 0), 0);
    cr_assert_eq(check_rows(ref), 6);

    int to, from;
    size_t len = 0;
    pid_t pid = cli_spawn(&scratch, "", "predict -m tiny.emw --raw 16x16 - -q", NULL, &to, &from, 0);
    send_frames(to, 0, 2);
    take_lines(from, 1 + 2, got, sizeof got, &len);
    cr_assert_eq(truncate(cli_scratch_path(&scratch, "tiny.emw", path, sizeof path), 10), 0);
    send_frames(to, 2, 2);
    take_lines(from, 2, got, sizeof got, &len);
    cli_write_text(&scratch, "other.emw", "EMW? not a model at all\n");
    cr_assert_eq(rename(cli_scratch_path(&scratch, "other.emw", other, sizeof other), path), 0);
    send_frames(to, 4, 2);
    close(to);
    take_lines(from, 2, got, sizeof got, &len);
    close(from);
    cr_assert_eq(cli_wait(pid), 0);
    /* the input name differs ('-' vs six.raw): compare from the first comma of each row */
    const char *a = ref, *b = got;
    for (int line = 0; line < 7; line++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        cr_assert(ea && eb);
        const char *ca = line ? strchr(a, ',') : a, *cb = line ? strchr(b, ',') : b;
        cr_assert(ca && cb && ea - ca == eb - cb && !memcmp(ca, cb, (size_t)(ea - ca)),
                  "line %d differs after the model file changed:\n%.*s\n%.*s", line, (int)(ea - a), a,
                  (int)(eb - b), b);
        a = ea + 1;
        b = eb + 1;
    }
}

Test(interrupt, ftz_is_recorded_in_the_summary, .init = setup, .fini = teardown)
{
    write_stream("two.raw", 2);
    char out[1 << 14], err[4096];
    cr_assert_eq(cli_run(&scratch, "predict -m tiny.emw --raw 16x16 two.raw --ftz", out, sizeof out, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(err, "fp=ftz"), "%s", err);
    cr_assert_eq(check_rows(out), 2);
    cr_assert_eq(cli_run(&scratch, "predict -m tiny.emw --raw 16x16 two.raw", out, sizeof out, err, sizeof err), 0, "%s", err);
    cr_assert(!strstr(err, "fp=ftz"), "IEEE is the default: %s", err);
}
