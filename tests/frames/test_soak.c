/* test_soak.c — a long --raw stream of 112×112 frames through `emoc predict --threads 2`
 * (frames mode, the reorder ring): one row per frame, resident memory flat after warm-up
 * (VmRSS sampled from /proc while streaming: never more than 1 MiB above its value at frame
 * 10,000) and no file-descriptor growth. CI runs 20,000 frames; EMOC_SOAK_FRAMES=200000 is the
 * long form (figures in docs/reliability.md). */
#include "tests/cli_run.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIDE 112
#define FRAME (SIDE * SIDE * 3)
#define WARMUP 10000L

static cli_scratch scratch;
static void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    cli_scratch_init_tiny(&scratch, "tiny.emw");
}
static void teardown(void) { cli_scratch_free(&scratch); }

static long status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') v = atol(line + kl + 1);
    fclose(f);
    return v;
}

static int fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    cr_assert(d, "cannot list %s", path);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Newlines in rows.csv so far (the file only grows; counted from where we left off). */
static long rows_written(FILE *f, long *count)
{
    char buf[1 << 16];
    size_t n;
    clearerr(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) *count += buf[i] == '\n';
    return *count - 1; /* minus the header */
}

static void wait_rows(FILE *f, long *count, long want)
{
    for (int ms = 0; rows_written(f, count) < want; ms += 5) {
        cr_assert(ms < 120000, "only %ld of %ld rows after 2 minutes", *count - 1, want);
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
}

/* A pipe write may be cut short by a signal (under qemu-user above all): write the rest. */
static void write_frame(int to, const unsigned char *b, long k)
{
    for (size_t done = 0; done < FRAME;) {
        ssize_t w = write(to, b + done, FRAME - done);
        if (w < 0 && errno == EINTR) continue;
        cr_assert(w > 0, "frame %ld refused after %zu bytes: %s", k, done, w < 0 ? strerror(errno) : "wrote 0");
        done += (size_t)w;
    }
}

Test(soak, raw_stream_rows_match_frames_memory_and_fds_flat, .init = setup, .fini = teardown, .timeout = 900)
{
    const char *env = getenv("EMOC_SOAK_FRAMES");
    /* under qemu-user (make test-qemu-full) /proc shows the emulator, whose translation cache
     * grows: rows and descriptors are still checked there, resident memory is not */
    int emulated = getenv("EMOC_SOAK_EMULATED") != NULL;
    long frames = env ? atol(env) : emulated ? 12000 : 20000;
    cr_assert(frames > WARMUP, "EMOC_SOAK_FRAMES must exceed %ld", WARMUP);
    int to, from;
    /* ASan keeps freed blocks in a quarantine that would read as growth */
    pid_t pid = cli_spawn(&scratch, "ASAN_OPTIONS=quarantine_size_mb=0:thread_local_quarantine_size_kb=0",
                          "predict -m tiny.emw --raw 112x112 - -q --threads 2 >rows.csv", NULL, &to, &from, 0);
    char path[256];
    FILE *rows = NULL;
    for (int i = 0; i < 1000 && !rows; i++) {
        rows = fopen(cli_scratch_path(&scratch, "rows.csv", path, sizeof path), "r");
        if (!rows) usleep(1000);
    }
    cr_assert(rows, "rows.csv never appeared");
    long count = 0, rss0 = 0, rss_max = 0;
    int fds0 = 0;
    static unsigned char b[FRAME];
    for (long k = 0; k < frames; k++) {
        for (int i = 0; i < FRAME; i += 97) b[i] = (unsigned char)(k * 7 + i); /* frames differ */
        write_frame(to, b, k);
        if (k + 1 == WARMUP) { /* the run catches up, then the reference sample */
            wait_rows(rows, &count, WARMUP);
            rss0 = status_kb(pid, "VmRSS");
            fds0 = fd_count(pid);
        } else if (k > WARMUP && k % 1000 == 0) {
            long r = status_kb(pid, "VmRSS");
            if (r > rss_max) rss_max = r;
            cr_assert_eq(fd_count(pid), fds0, "file descriptors grew by frame %ld", k);
        }
    }
    wait_rows(rows, &count, frames);
    long rss_end = status_kb(pid, "VmRSS");
    if (rss_end > rss_max) rss_max = rss_end;
    int fds_end = fd_count(pid);
    close(to);
    close(from);
    cr_assert_eq(cli_wait(pid), 0);
    cr_assert_eq(rows_written(rows, &count), frames, "rows out != frames in");
    fclose(rows);
    cr_log_info("soak: %ld frames, VmRSS %ld kB at frame %ld, max %ld kB after, %ld kB at the end, fds %d",
                frames, rss0, WARMUP, rss_max, rss_end, fds_end);
    printf("soak: %ld frames of %dx%d, VmRSS %ld kB at frame %ld, max after %ld kB (+%ld), end %ld kB, fds %d -> %d\n",
           frames, SIDE, SIDE, rss0, WARMUP, rss_max, rss_max - rss0, rss_end, fds0, fds_end);
    cr_assert_eq(fds_end, fds0, "file descriptors: %d at frame %ld, %d at the end", fds0, WARMUP, fds_end);
    if (emulated) {
        printf("soak: EMOC_SOAK_EMULATED: resident memory (the emulator's) NOT checked\n");
        return;
    }
    cr_assert(rss_max - rss0 <= 1024, "resident memory grew by %ld kB after frame %ld (limit 1024 kB)",
              rss_max - rss0, WARMUP);
}
