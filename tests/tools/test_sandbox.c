/* test_sandbox.c — the seccomp sandbox (docs/sandbox.md): seen from outside on a running
 * `emoc predict --raw` held open on a pipe (/proc/PID/status: Seccomp 2, NoNewPrivs 1; 0 with
 * --no-sandbox or EMOC_SANDBOX=0), and from inside a forked child that calls
 * emoc_sandbox_enter(): each forbidden call is denied with EPERM while reading, threads and the
 * write directory keep working. Where the system cannot install the filter (qemu-user), the
 * library must say EMOC_E_UNSUPPORTED and the CLI must refuse to run (fail closed). */
#include "emoc.h"
#include "tests/cli_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/ptrace.h>
#endif

static cli_scratch scratch;
static void setup(void) { cli_scratch_init_tiny(&scratch, "tiny.emw"); }
static void teardown(void) { cli_scratch_free(&scratch); }

/* The value of "Key:" in /proc/PID/status, or -1. */
static int proc_status_field(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    int v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') v = atoi(line + kl + 1);
    fclose(f);
    return v;
}

/* Runs predict on a raw stream held open after one frame; returns Seccomp and NoNewPrivs of the
 * running process, then closes the stream and checks the exit code. */
static void seccomp_of_running_predict(const char *env, const char *extra, int *seccomp, int *nnp)
{
    char args[256];
    snprintf(args, sizeof args, "predict -m tiny.emw --raw 16x16 - -q %s", extra);
    int to, from;
    pid_t pid = cli_spawn(&scratch, env, args, NULL, &to, &from, 0);
    unsigned char frame[16 * 16 * 3];
    for (size_t i = 0; i < sizeof frame; i++) frame[i] = (unsigned char)(i * 13);
    cr_assert_eq(write(to, frame, sizeof frame), (ssize_t)sizeof frame);
    cli_read_lines(from, 2); /* header + the frame's row: the run is past its set-up */
    *seccomp = proc_status_field(pid, "Seccomp");
    *nnp = proc_status_field(pid, "NoNewPrivs");
    close(to); /* end of stream */
    char rest[256];
    while (read(from, rest, sizeof rest) > 0) {}
    close(from);
    int rc = cli_wait(pid);
    char err[2048];
    cli_read_text(&scratch, "cli_stderr.txt", err, sizeof err);
    cr_assert_eq(rc, 0, "predict failed (%d): %s", rc, err);
}

Test(sandbox, predict_runs_under_seccomp_seen_from_outside, .init = setup, .fini = teardown)
{
    int sc, nnp;
    if (!emoc_sandbox_available()) {
        /* fail closed: without --no-sandbox the command must refuse, not run unprotected */
        char err[2048];
        setenv("EMOC_SANDBOX", "1", 1); /* the qemu suites turn it off for every other test */
        int rc = cli_run(&scratch, "predict -m tiny.emw --raw 16x16 /dev/null", NULL, 0, err, sizeof err);
        unsetenv("EMOC_SANDBOX");
        cr_assert_eq(rc, 1, "rc %d: %s", rc, err);
        cr_assert(strstr(err, "--no-sandbox"), "%s", err);
        seccomp_of_running_predict("EMOC_SANDBOX=0", "", &sc, &nnp);
        cr_assert_eq(sc, 0);
        return;
    }
    seccomp_of_running_predict("EMOC_SANDBOX=1", "", &sc, &nnp);
    cr_assert_eq(sc, 2, "Seccomp: %d (2 = filter mode)", sc);
    cr_assert_eq(nnp, 1, "NoNewPrivs: %d", nnp);
    seccomp_of_running_predict("EMOC_SANDBOX=1", "--no-sandbox", &sc, &nnp);
    cr_assert_eq(sc, 0, "--no-sandbox: Seccomp %d", sc);
    seccomp_of_running_predict("EMOC_SANDBOX=0", "", &sc, &nnp);
    cr_assert_eq(sc, 0, "EMOC_SANDBOX=0: Seccomp %d", sc);
    char err[2048];
    setenv("EMOC_SANDBOX", "yes", 1); /* a typo must not silently turn it off */
    int rc = cli_run(&scratch, "predict -m tiny.emw --raw 16x16 /dev/null", NULL, 0, err, sizeof err);
    unsetenv("EMOC_SANDBOX");
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "EMOC_SANDBOX must be 0 or 1"), "%s", err);
}

Test(sandbox, version_says_whether_available)
{
    cli_scratch s;
    cli_scratch_init(&s);
    char out[1024];
    cr_assert_eq(cli_run(&s, "--version", out, sizeof out, NULL, 0), 0);
    cr_assert(strstr(out, emoc_sandbox_available() ? "sandbox: available" : "sandbox: not available"), "%s", out);
    cli_scratch_free(&s);
}

static void *thread_fn(void *arg) { return arg; }

/* In the sandboxed child: one line per check that went wrong; exit status = their number. */
static int child_checks(int dirfd, const char *outside)
{
    int bad = 0;
#define EXPECT(cond, what)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "sandbox child: %s (errno %d)\n", what, errno);                        \
            bad++;                                                                                 \
        }                                                                                          \
    } while (0)
#define DENIED(call, what)                                                                         \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        EXPECT(r_ == -1 && errno == EPERM, what " was not denied with EPERM");                     \
    } while (0)
    DENIED(socket(AF_INET, SOCK_STREAM, 0), "socket(AF_INET)");
    DENIED(socket(AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
    char *const argv[] = {(char *)"/bin/true", NULL};
    DENIED(execve("/bin/true", argv, argv + 1), "execve");
    DENIED(fork(), "fork");
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
    /* sanitizer builds allow ptrace for LeakSanitizer's exit-time tracer (docs/sandbox.md) */
    DENIED(ptrace(PTRACE_TRACEME, 0, NULL, NULL), "ptrace");
#endif
    DENIED(open(outside, O_WRONLY | O_CREAT, 0600), "open for writing outside the write directory");
    DENIED(open(outside, O_RDONLY | O_CREAT, 0600), "open with O_CREAT");
    DENIED(openat(AT_FDCWD, "x.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600), "openat(AT_FDCWD) for writing");
    DENIED(unlink(outside), "unlink");
    DENIED(mkdir("/tmp/emoc_sandbox_never", 0700), "mkdir");
    DENIED(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0,
           "mmap(PROT_EXEC)");
    /* still allowed: reading, memory, threads, the write directory */
    int fd = open("/proc/self/status", O_RDONLY);
    EXPECT(fd >= 0, "open for reading was denied");
    char buf[4096];
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    buf[n > 0 ? n : 0] = 0;
    EXPECT(strstr(buf, "Seccomp:\t2") != NULL, "/proc/self/status does not say Seccomp: 2");
    EXPECT(strstr(buf, "NoNewPrivs:\t1") != NULL, "/proc/self/status does not say NoNewPrivs: 1");
    if (fd >= 0) close(fd);
    void *big = malloc(64 << 20); /* mmap without PROT_EXEC */
    EXPECT(big != NULL, "a large malloc failed");
    free(big);
    pthread_t t;
    EXPECT(pthread_create(&t, NULL, thread_fn, NULL) == 0 && pthread_join(t, NULL) == 0, "threads");
    int w = openat(dirfd, "ok.tmp", O_WRONLY | O_CREAT | O_EXCL, 0600);
    EXPECT(w >= 0, "openat(write dir) for writing was denied");
    EXPECT(w < 0 || (write(w, "x", 1) == 1 && close(w) == 0), "writing in the write directory");
    EXPECT(renameat(dirfd, "ok.tmp", dirfd, "ok.txt") == 0, "renameat inside the write directory");
    DENIED(renameat(dirfd, "ok.txt", AT_FDCWD, "/tmp/emoc_sandbox_moved"), "renameat out of the write directory");
    EXPECT(mkdirat(dirfd, "sub", 0700) == 0, "mkdirat in the write directory");
    EXPECT(unlinkat(dirfd, "sub", AT_REMOVEDIR) == 0, "unlinkat in the write directory");
    return bad;
}

Test(sandbox, forbidden_calls_are_denied_after_enter, .init = setup, .fini = teardown)
{
    char outside[256];
    cli_scratch_path(&scratch, "outside.txt", outside, sizeof outside);
    cli_write_text(&scratch, "outside.txt", "keep me\n");
    int dirfd = open(scratch.dir, O_RDONLY | O_DIRECTORY);
    cr_assert(dirfd >= 0);
    if (!emoc_sandbox_available()) {
        emoc_error err = {{0}};
        cr_assert_eq(emoc_sandbox_enter(NULL, &err), EMOC_E_UNSUPPORTED);
        cr_assert(err.msg[0], "no reason given");
        close(dirfd);
        return;
    }
    emoc_sandbox_config bad = {NULL, 1, 0};
    emoc_error err = {{0}};
    cr_assert_eq(emoc_sandbox_enter(&bad, &err), EMOC_E_ARG, "write_dirs NULL with n = 1");
    fflush(NULL);
    pid_t pid = fork(); /* the filter is for life: only a child may take it */
    cr_assert(pid >= 0);
    if (pid == 0) {
        emoc_sandbox_config c = {&dirfd, 1, 0};
        emoc_error e = {{0}};
        if (emoc_sandbox_enter(&c, &e) != EMOC_OK) {
            fprintf(stderr, "sandbox child: %s\n", e.msg);
            _exit(100);
        }
        _exit(child_checks(dirfd, outside));
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "the sandboxed child was killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    cr_assert_eq(WEXITSTATUS(st), 0, "%d sandbox checks failed (messages above)", WEXITSTATUS(st));
    char text[64];
    cli_read_text(&scratch, "outside.txt", text, sizeof text);
    cr_assert_str_eq(text, "keep me\n");
    cli_read_text(&scratch, "ok.txt", text, sizeof text);
    cr_assert_str_eq(text, "x");
    close(dirfd);
}
