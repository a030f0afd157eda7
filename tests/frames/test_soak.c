/* test_soak.c — a long --raw stream of 112×112 frames through `emoc predict --threads 2`
 * (frames mode, the reorder ring) and through `emoc detect` (MTCNN fixture): every frame
 * accounted for (exactly one row with face_id 0 per frame, frames in order: predict writes one
 * row per frame, detect one per face or one no_face row), resident memory flat after warm-up
 * (VmRSS sampled from /proc while streaming: never more than 1 MiB above its value at frame
 * 10,000) and no file-descriptor growth. CI runs 20,000 frames; EMOC_SOAK_FRAMES=200000 is the
 * long form (figures in docs/reliability.md). */
#include "tests/cli_run.h"
#include "tests/detect/mtcnn_fixture.h"

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

/* Frames accounted for in the rows file so far (it only grows; parsed from where we left off):
 * a frame is accounted for by its row with face_id 0, and frames must come in order. */
typedef struct row_count {
    long lines;     /* complete lines, the header included */
    long frames;    /* frames accounted for */
    char part[512]; /* the incomplete last line */
    size_t np;
} row_count;

static void count_line(row_count *c)
{
    c->part[c->np < sizeof c->part ? c->np : sizeof c->part - 1] = 0;
    if (c->lines++ == 0) {
        cr_assert(!strncmp(c->part, "input,frame,face_id,status", 26), "header: %s", c->part);
        return;
    }
    const char *f1 = strchr(c->part, ','); /* input has no comma: it is "-" */
    cr_assert(f1, "row %ld: %s", c->lines - 1, c->part);
    char *end;
    long frame = strtol(f1 + 1, &end, 10);
    cr_assert(*end == ',', "row %ld: %s", c->lines - 1, c->part);
    long face = strtol(end + 1, &end, 10);
    cr_assert(*end == ',', "row %ld: %s", c->lines - 1, c->part);
    if (face == 0) {
        cr_assert_eq(frame, c->frames + 1, "frame %ld after frame %ld: %s", frame, c->frames, c->part);
        c->frames++;
    } else {
        cr_assert_eq(frame, c->frames, "face %ld of frame %ld after frame %ld", face, frame, c->frames);
    }
}

static long frames_out(FILE *f, row_count *c)
{
    char buf[1 << 16];
    size_t n;
    clearerr(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                count_line(c);
                c->np = 0;
            } else if (c->np < sizeof c->part - 1) {
                c->part[c->np++] = buf[i];
            }
        }
    return c->frames;
}

static void wait_frames(FILE *f, row_count *c, long want)
{
    for (int ms = 0; frames_out(f, c) < want; ms += 5) {
        cr_assert(ms < 120000, "only %ld of %ld frames accounted for after 2 minutes", c->frames, want);
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

/* Streams `frames` generated frames into `emoc ARGS` (its stdout in rows.csv) and checks the
 * accounting, VmRSS and descriptors as the header says. */
static void soak(const char *what, const char *args, long frames, long warmup, int emulated)
{
    cr_assert(frames > warmup, "EMOC_SOAK_FRAMES must exceed %ld", warmup);
    int to, from;
    /* ASan keeps freed blocks in a quarantine that would read as growth */
    pid_t pid = cli_spawn(&scratch, "ASAN_OPTIONS=quarantine_size_mb=0:thread_local_quarantine_size_kb=0",
                          args, NULL, &to, &from, 0);
    char path[256];
    FILE *rows = NULL;
    for (int i = 0; i < 1000 && !rows; i++) {
        rows = fopen(cli_scratch_path(&scratch, "rows.csv", path, sizeof path), "r");
        if (!rows) usleep(1000);
    }
    cr_assert(rows, "rows.csv never appeared");
    row_count count = {0};
    long rss0 = 0, rss_max = 0;
    int fds0 = 0;
    static unsigned char b[FRAME];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 0; k < frames; k++) {
        for (int i = 0; i < FRAME; i += 97) b[i] = (unsigned char)(k * 7 + i); /* frames differ */
        write_frame(to, b, k);
        if (k + 1 == warmup) { /* the run catches up, then the reference sample */
            wait_frames(rows, &count, warmup);
            rss0 = status_kb(pid, "VmRSS");
            fds0 = fd_count(pid);
        } else if (k > warmup && k % 1000 == 0) {
            long r = status_kb(pid, "VmRSS");
            if (r > rss_max) rss_max = r;
            cr_assert_eq(fd_count(pid), fds0, "file descriptors grew by frame %ld", k);
        }
    }
    wait_frames(rows, &count, frames);
    long rss_end = status_kb(pid, "VmRSS");
    if (rss_end > rss_max) rss_max = rss_end;
    int fds_end = fd_count(pid);
    close(to);
    close(from);
    cr_assert_eq(cli_wait(pid), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert_eq(frames_out(rows, &count), frames, "frames accounted for != frames in");
    cr_assert_eq(count.np, 0, "a partial last row: %.*s", (int)count.np, count.part);
    fclose(rows);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("soak %s: %ld frames of %dx%d (%ld rows) in %.1f s, VmRSS %ld kB at frame %ld, max after %ld kB (+%ld), "
           "end %ld kB, fds %d -> %d\n", what, frames, SIDE, SIDE, count.lines - 1, secs, rss0, warmup, rss_max,
           rss_max - rss0, rss_end, fds0, fds_end);
    cr_assert_eq(fds_end, fds0, "file descriptors: %d at frame %ld, %d at the end", fds0, warmup, fds_end);
    if (emulated) {
        printf("soak %s: EMOC_SOAK_EMULATED: resident memory (the emulator's) NOT checked\n", what);
        return;
    }
    cr_assert(rss_max - rss0 <= 1024, "resident memory grew by %ld kB after frame %ld (limit 1024 kB)",
              rss_max - rss0, warmup);
}

static long soak_frames(int emulated)
{
    const char *env = getenv("EMOC_SOAK_FRAMES");
    return env ? atol(env) : emulated ? 12000 : 20000;
}

Test(soak, raw_stream_rows_match_frames_memory_and_fds_flat, .init = setup, .fini = teardown, .timeout = 900)
{
    /* under qemu-user (make test-qemu-full) /proc shows the emulator, whose translation cache
     * grows: rows and descriptors are still checked there, resident memory is not */
    int emulated = getenv("EMOC_SOAK_EMULATED") != NULL;
    soak("predict", "predict -m tiny.emw --raw 112x112 - -q --threads 2 >rows.csv", soak_frames(emulated), WARMUP,
         emulated);
}

/* detect: MTCNN (the seeded fixture, which finds a face in these frames) with --min-face 100, a
 * single P-Net scale: about 1 ms of CPU per frame here, 20 s for the CI form (the cost is R-Net
 * and O-Net per frame; smaller frames are not cheaper). Under qemu-user 800 frames after a
 * 400-frame warm-up (3,000 took 411 s under qemu-arm): rows and descriptors only. */
Test(soak, detect_raw_stream_every_frame_accounted_memory_and_fds_flat, .init = setup, .fini = teardown,
     .timeout = 900)
{
    int emulated = getenv("EMOC_SOAK_EMULATED") != NULL;
    char path[256];
    cr_assert_eq(mtcnn_fix_save(cli_scratch_path(&scratch, "mtcnn.emw", path, sizeof path)), 0);
    const char *env = getenv("EMOC_SOAK_FRAMES");
    long frames = env ? atol(env) : emulated ? 800 : 20000;
    soak("detect", "detect -m mtcnn.emw --min-face 100 --raw 112x112 - -q >rows.csv", frames,
         emulated && !env ? 400 : WARMUP, emulated);
}
