/* test_memory_load.c — emoc_model_load_memory on a device with no file system: from the model
 * bytes in memory to the outputs (load, info, a 2-thread session, runs, free), the library opens
 * no file. Two witnesses: every open/openat/creat/fopen of this process is counted while the
 * library works (this file defines them; they forward to the kernel), and where seccomp works
 * (x86-64, not under qemu-user, which refuses it) a forked child runs the same calls under a
 * filter that kills the process at any open-family system call, libc's own included. */
#define _GNU_SOURCE
/* the definitions below must be the plain symbols (open, fopen...) with the *64 names as aliases,
 * not the *64 names the build's -D_FILE_OFFSET_BITS=64 would redirect them to */
#undef _FILE_OFFSET_BITS
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emoc.h"
#include "tests/core/tinynet_fixture.h"

/* ---- the counter: interposed open functions -------------------------------------------- */

static volatile int armed, opens;
static char first_opened[256];

static void count(const char *path)
{
    if (!armed) return;
    if (opens++ == 0) snprintf(first_opened, sizeof first_opened, "%s", path ? path : "?");
}

static int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    count(path);
    return sys_openat(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    count(path);
    return sys_openat(dirfd, path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int creat(const char *path, mode_t mode)
{
    count(path);
    return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

typedef FILE *(*fopen_fn)(const char *, const char *);

FILE *fopen(const char *path, const char *mode)
{
    count(path);
    fopen_fn real = (fopen_fn)dlsym(RTLD_NEXT, "fopen");
    if (!real) {
        errno = ENOSYS;
        return NULL;
    }
    return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode) __attribute__((alias("fopen")));

/* ---- what a board without a file system does ---------------------------------------------- */

/* Loads the model from buf, runs three inputs on 2 threads, writes the 10 scores of each into
 * scores. 0 or the failing status. */
static int run_from_memory(const uint8_t *buf, size_t n, float scores[3][10])
{
    emoc_error err;
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_status st = emoc_model_load_memory(buf, n, NULL, &m, &err);
    emoc_model_info info;
    if (st == EMOC_OK) st = emoc_model_get_info(m, &info);
    if (st == EMOC_OK) st = emoc_session_create(m, 2, NULL, 0, &s, &err);
    float x[3 * 16 * 16];
    for (int k = 0; st == EMOC_OK && k < 3; k++) {
        unsigned seed = 7u + (unsigned)k;
        for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
            seed = seed * 1103515245u + 12345u;
            x[i] = (float)((seed >> 9) % 2001) / 1000.0f - 1.0f;
        }
        emoc_output out;
        st = emoc_session_run(s, x, sizeof x / sizeof x[0], &out);
        if (st == EMOC_OK && out.n_scores != 10) st = EMOC_E_SHAPE;
        if (st == EMOC_OK) memcpy(scores[k], out.scores, sizeof scores[k]);
    }
    emoc_session_free(s);
    emoc_model_free(m);
    return (int)st;
}

#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#define KILL_IF(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

/* 0 filter on, -1 this kernel or emulator refuses seccomp */
static int forbid_opens(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        KILL_IF(__NR_open),
        KILL_IF(__NR_openat),
        KILL_IF(__NR_creat),
        KILL_IF(__NR_open_by_handle_at),
        KILL_IF(437), /* openat2 */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -1 : 0;
}
#else
static int forbid_opens(void) { return -1; }
#endif

Test(memory_load, opens_no_file_from_bytes_to_outputs)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *buf = tiny_build(&o, &n);
    cr_assert_not_null(buf);
    float want[3][10], got[3][10];

    /* the counter sees an open: it can fail */
    armed = 1;
    opens = 0;
    FILE *f = fopen("/dev/null", "r");
    armed = 0;
    cr_assert(f && opens == 1, "the open counter missed fopen (%d)", opens);
    fclose(f);

    opens = 0;
    armed = 1;
    int st = run_from_memory(buf, n, want);
    armed = 0;
    cr_assert_eq(st, EMOC_OK, "%s", emoc_strerror((emoc_status)st));
    cr_assert_eq(opens, 0, "the library opened %d file(s), first '%s'", opens, first_opened);

    /* the same under a filter that kills the process at any open, libc's own included */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (forbid_opens()) _exit(3);
        int r = run_from_memory(buf, n, got);
        if (r == 0 && write(fds[1], got, sizeof got) != (ssize_t)sizeof got) r = 1;
        _exit(r ? 4 : 0);
    }
    close(fds[1]);
    int status = 0;
    ssize_t rd = read(fds[0], got, sizeof got);
    close(fds[0]);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        cr_log_info("seccomp unavailable here (qemu-user refuses it): the open counter above is the witness");
    } else {
        cr_assert(!WIFSIGNALED(status), "killed by signal %d: an open-family system call was made",
                  WTERMSIG(status));
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
        cr_assert_eq(rd, (ssize_t)sizeof got);
        cr_assert_arr_eq(got, want, sizeof got, "outputs differ under the filter");
    }
    free(buf);
}
