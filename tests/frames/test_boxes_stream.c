/* test_boxes_stream.c — `--boxes` from a FIFO is read as a stream (issue 15 defect 6): rows come
 * out while the boxes input is still open, resident memory stays flat while it keeps growing,
 * and every row written to it gets its row at the end. */
#include "tests/cli_run.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static cli_scratch scratch;
static void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    cli_scratch_init_tiny(&scratch, "tiny.emw");
    enum { W = 64, H = 48 };
    static unsigned char ppm[32 + W * H * 3];
    int k = snprintf((char *)ppm, 32, "P6\n%d %d\n255\n", W, H);
    for (int i = 0; i < W * H * 3; i++) ppm[k + i] = (unsigned char)(i * 7 + i / 131);
    cli_write_bytes(&scratch, "face.ppm", ppm, (size_t)k + W * H * 3);
}
static void teardown(void) { cli_scratch_free(&scratch); }

static long vm_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) v = atol(line + 6);
    fclose(f);
    return v;
}

/* Lines in the output file so far (it only grows; counted from where we left off). */
static long lines_in(FILE *f, long *count)
{
    char buf[1 << 16];
    size_t n;
    clearerr(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) *count += buf[i] == '\n';
    return *count;
}

/* Waits until the output holds `want` rows after its header; 0 if they did not come in time. */
static int wait_rows(FILE *f, long *count, long want, int seconds)
{
    for (int ms = 0; lines_in(f, count) - 1 < want; ms += 5) {
        if (ms > seconds * 1000) return 0;
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    return 1;
}

static void write_all(int fd, const char *s)
{
    size_t n = strlen(s);
    cr_assert_eq(write(fd, s, n), (ssize_t)n, "the boxes FIFO refused a write");
}

Test(boxes_stream, rows_come_before_eof_and_memory_stays_flat, .init = setup, .fini = teardown, .timeout = 300)
{
    char fifo[256], rows_path[256];
    cr_assert_eq(mkfifo(cli_scratch_path(&scratch, "boxes.fifo", fifo, sizeof fifo), 0600), 0);
    int to, from;
    pid_t pid = cli_spawn(&scratch, "ASAN_OPTIONS=quarantine_size_mb=0:thread_local_quarantine_size_kb=0",
                          "predict -m tiny.emw --boxes boxes.fifo -q --threads 2 >rows.csv", NULL, &to, &from, 0);
    int w = open(fifo, O_WRONLY); /* blocks until emoc opens it */
    cr_assert(w >= 0, "cannot open the FIFO for writing");
    FILE *rows = NULL;
    for (int i = 0; i < 1000 && !rows; i++) {
        rows = fopen(cli_scratch_path(&scratch, "rows.csv", rows_path, sizeof rows_path), "r");
        if (!rows) usleep(1000);
    }
    cr_assert(rows, "rows.csv never appeared");
    long count = 0;
    write_all(w, "image,x,y,w,h,face_id\nface.ppm,4,4,32,32,0\n#face.ppm,0,0,8,8\n");
    /* before: the whole boxes input was read before the first row, so nothing came out here */
    cr_assert(wait_rows(rows, &count, 2, 20), "no row while the boxes input is open (%ld lines)", count);

    /* an input that keeps growing: 2,000 rows of warm-up, then 20,000 more */
    char line[128];
    long written = 2, rss0 = 0, rss_max = 0;
    for (long k = 0; k < 22000; k++) {
        snprintf(line, sizeof line, "face.ppm,%ld,%ld,%ld,%ld,%ld\n", k % 17, k % 13, 16 + k % 29, 16 + k % 31, k % 5);
        write_all(w, line);
        written++;
        if (k == 1999) {
            cr_assert(wait_rows(rows, &count, written, 120), "rows stalled at %ld of %ld", count - 1, written);
            rss0 = vm_rss_kb(pid);
        } else if (k > 1999 && k % 1000 == 0) {
            long r = vm_rss_kb(pid);
            if (r > rss_max) rss_max = r;
        }
    }
    cr_assert(wait_rows(rows, &count, written, 120), "rows stalled at %ld of %ld", count - 1, written);
    long rss_end = vm_rss_kb(pid);
    if (rss_end > rss_max) rss_max = rss_end;
    write_all(w, "face.ppm,1,2\n"); /* a malformed row still gets its row */
    written++;
    close(w);
    close(to);
    close(from);
    cr_assert_eq(cli_wait(pid), 4, "a bad_row makes the exit code 4");
    cr_assert_eq(lines_in(rows, &count) - 1, written, "rows out != boxes rows in");
    fclose(rows);
    char text[1 << 12];
    cli_read_text(&scratch, "rows.csv", text, sizeof text);
    cr_assert(strstr(text, "#face.ppm"), "the '#' name is a row: %s", text);
    printf("boxes stream: %ld rows through a FIFO, VmRSS %ld kB after 2,002, max after %ld kB (+%ld)\n", written,
           rss0, rss_max, rss_max - rss0);
    cr_assert(rss_max - rss0 <= 1024, "resident memory grew by %ld kB while the boxes input grew", rss_max - rss0);
}

Test(boxes_stream, shard_of_a_stream_is_refused, .init = setup, .fini = teardown)
{
    char out[4096], err[4096];
    int rc = cli_run(&scratch, "predict -m tiny.emw --shard 1/2 --boxes /dev/null", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    /* a regular file still works with --shard */
    cli_write_text(&scratch, "b.csv", "face.ppm,0,0,16,16\n");
    rc = cli_run(&scratch, "predict -m tiny.emw --shard 1/1 --boxes b.csv", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
}
