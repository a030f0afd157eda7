/*
 * sandbox.c — emoc_sandbox_enter(): a seccomp-bpf allow-list built with libc's syscall interface
 * (no libseccomp), installed with PR_SET_NO_NEW_PRIVS and SECCOMP_FILTER_FLAG_TSYNC so every
 * thread of the process gets it. The syscall list and the reasons for each entry are in
 * docs/sandbox.md; keep the two in step.
 *
 * Anything not listed returns EPERM (clone3 and openat2 return ENOSYS so that libc falls back to
 * clone and openat, whose arguments the filter can inspect). A foreign architecture or the x32
 * ABI kills the process: the syscall numbers below would mean something else there.
 */
#include "emoc.h"
#include "engine/core/error.h"

#include <errno.h>
#include <string.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#define EMOC_HAVE_SANDBOX 1
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#else
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef CLONE_THREAD /* <sched.h> shows it only under _GNU_SOURCE; the value is the kernel ABI */
#define CLONE_THREAD 0x00010000
#endif

#define CLONE_VM_FLAG 0x00000100 /* CLONE_VM, likewise */

#if defined(__SANITIZE_ADDRESS__)
#define EMOC_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMOC_SANITIZER_BUILD 1
#endif
#endif
#ifndef EMOC_SANITIZER_BUILD
#define EMOC_SANITIZER_BUILD 0
#endif

#define MAX_INSNS 512
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define OPEN_WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

typedef struct bpf {
    struct sock_filter insn[MAX_INSNS];
    int n, overflow;
} bpf;

static void op(bpf *b, unsigned short code, unsigned char jt, unsigned char jf, unsigned k)
{
    if (b->n >= MAX_INSNS) {
        b->overflow = 1;
        return;
    }
    b->insn[b->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void ret(bpf *b, unsigned k) { op(b, BPF_RET | BPF_K, 0, 0, k); }
static void load(bpf *b, unsigned off) { op(b, BPF_LD | BPF_W | BPF_ABS, 0, 0, off); }

/* Syscalls allowed whatever their arguments: they only touch memory, time, this process's own
 * threads and signals, or file descriptors that are already open. */
static const long plain_allowed[] = {
    SYS_read, SYS_readv, SYS_pread64, SYS_preadv, SYS_write, SYS_writev, SYS_pwrite64,
    SYS_lseek, SYS_close, SYS_fstat, SYS_newfstatat, SYS_statx, SYS_getdents64, SYS_faccessat,
    SYS_readlinkat, SYS_getcwd, SYS_fcntl, SYS_fsync, SYS_fdatasync, SYS_ftruncate,
    SYS_brk, SYS_munmap, SYS_mremap, SYS_madvise,
    SYS_futex, SYS_set_robust_list, SYS_sched_yield, SYS_sched_getaffinity,
    SYS_getpid, SYS_gettid, SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_uname,
    SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
    SYS_restart_syscall, SYS_exit, SYS_exit_group,
    SYS_clock_gettime, SYS_clock_getres, SYS_clock_nanosleep, SYS_nanosleep, SYS_gettimeofday,
    SYS_getrandom,
#ifdef SYS_rseq
    SYS_rseq,
#endif
#ifdef SYS_faccessat2
    SYS_faccessat2,
#endif
#if defined(__x86_64__)
    SYS_stat, SYS_lstat, SYS_access, SYS_readlink, SYS_time,
#endif
};

/* `if nr == NR { body }`: the body must end every path in a RET. */
static int block_begin(bpf *b, long nr)
{
    op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, (unsigned)nr);
    return b->n - 1;
}

static void block_end(bpf *b, int at)
{
    if (b->overflow) return;
    int skip = b->n - at - 1;
    if (skip > 255) b->overflow = 1;
    else b->insn[at].jf = (unsigned char)skip;
}

/* A = low word of an fd argument; allows when it is one of the write directories. */
static void allow_if_dirfd(bpf *b, int arg, const emoc_sandbox_config *c)
{
    load(b, ARG_LO(arg));
    for (int i = 0; i < c->n_write_dirs; i++) {
        op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)c->write_dirs[i]);
        ret(b, RET_ALLOW);
    }
}

/* openat-like call: without write flags allowed (unless deny_open); with them only relative to
 * a write directory. */
static void open_block(bpf *b, long nr, int dirfd_arg, int flags_arg, const emoc_sandbox_config *c)
{
    int at = block_begin(b, nr);
    load(b, ARG_LO(flags_arg));
    op(b, BPF_JMP | BPF_JSET | BPF_K, 1, 0, OPEN_WRITE_FLAGS);
    ret(b, c->deny_open ? RET_ERRNO(EPERM) : RET_ALLOW);
    if (dirfd_arg >= 0) allow_if_dirfd(b, dirfd_arg, c);
    ret(b, RET_ERRNO(EPERM));
    block_end(b, at);
}

/* A call on a path relative to a directory fd: allowed only in a write directory. */
static void dirfd_block(bpf *b, long nr, int arg_a, int arg_b, const emoc_sandbox_config *c)
{
    int at = block_begin(b, nr);
    if (arg_b >= 0) { /* both directory arguments must be write directories */
        load(b, ARG_LO(arg_b));
        for (int i = 0; i < c->n_write_dirs; i++)
            op(b, BPF_JMP | BPF_JEQ | BPF_K, (unsigned char)(c->n_write_dirs - i), 0,
               (unsigned)c->write_dirs[i]);
        ret(b, RET_ERRNO(EPERM));
    }
    allow_if_dirfd(b, arg_a, c);
    ret(b, RET_ERRNO(EPERM));
    block_end(b, at);
}

/* Allows when the masked argument bits are clear (mmap/mprotect without PROT_EXEC), or set
 * (clone with CLONE_THREAD: threads, never a new process). */
static void flag_block(bpf *b, long nr, int arg, unsigned mask, int allow_when_set)
{
    int at = block_begin(b, nr);
    load(b, ARG_LO(arg));
    op(b, BPF_JMP | BPF_JSET | BPF_K, 0, 1, mask);
    ret(b, allow_when_set ? RET_ALLOW : RET_ERRNO(EPERM));
    ret(b, allow_when_set ? RET_ERRNO(EPERM) : RET_ALLOW);
    block_end(b, at);
}

/* Allows when argument `arg` (low word) equals one of vals. */
static void value_block(bpf *b, long nr, int arg, const unsigned *vals, int n)
{
    int at = block_begin(b, nr);
    load(b, ARG_LO(arg));
    for (int i = 0; i < n; i++) {
        op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, vals[i]);
        ret(b, RET_ALLOW);
    }
    ret(b, RET_ERRNO(EPERM));
    block_end(b, at);
}

static void build(bpf *b, const emoc_sandbox_config *c)
{
    load(b, offsetof(struct seccomp_data, arch));
    op(b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SANDBOX_ARCH);
    ret(b, SECCOMP_RET_KILL_PROCESS);
    load(b, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
    op(b, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000u); /* x32 ABI */
    ret(b, SECCOMP_RET_KILL_PROCESS);
#endif
    for (size_t i = 0; i < sizeof plain_allowed / sizeof plain_allowed[0]; i++) {
        op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)plain_allowed[i]);
        ret(b, RET_ALLOW);
    }
    open_block(b, SYS_openat, 0, 2, c);
#if defined(__x86_64__)
    open_block(b, SYS_open, -1, 1, c);
#endif
    flag_block(b, SYS_mmap, 2, PROT_EXEC, 0);
    flag_block(b, SYS_mprotect, 2, PROT_EXEC, 0);
#if EMOC_SANITIZER_BUILD
    { /* LeakSanitizer's exit-time check runs a tracer task (clone with CLONE_VM, no SIGCHLD
       * fork) that ptrace-attaches to the threads: allowed in sanitizer builds only */
        int at = block_begin(b, SYS_clone);
        load(b, ARG_LO(0));
        op(b, BPF_JMP | BPF_JSET | BPF_K, 0, 1, CLONE_THREAD | CLONE_VM_FLAG);
        ret(b, RET_ALLOW);
        ret(b, RET_ERRNO(EPERM));
        block_end(b, at);
    }
    const long lsan_extra[] = {SYS_ptrace, SYS_prctl, SYS_wait4, SYS_getppid, SYS_sched_setaffinity,
#ifdef SYS_getdents
                               SYS_getdents,
#endif
    };
    for (size_t i = 0; i < sizeof lsan_extra / sizeof lsan_extra[0]; i++) {
        op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)lsan_extra[i]);
        ret(b, RET_ALLOW);
    }
#else
    flag_block(b, SYS_clone, 0, CLONE_THREAD, 1);
#endif
#ifdef SYS_renameat
    dirfd_block(b, SYS_renameat, 0, 2, c);
#endif
    dirfd_block(b, SYS_renameat2, 0, 2, c);
    dirfd_block(b, SYS_unlinkat, 0, -1, c);
    dirfd_block(b, SYS_mkdirat, 0, -1, c);
    unsigned self = (unsigned)getpid();
    value_block(b, SYS_tgkill, 0, &self, 1); /* raise(), abort(): signals to itself only */
    value_block(b, SYS_kill, 0, &self, 1);
    const unsigned tty[] = {TCGETS, TIOCGWINSZ}; /* isatty() and the terminal width */
    value_block(b, SYS_ioctl, 1, tty, 2);
    { /* prlimit64 as getrlimit: new limit NULL */
        int at = block_begin(b, SYS_prlimit64);
        load(b, ARG_LO(2));
        op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0);
        load(b, ARG_HI(2));
        op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
        ret(b, RET_ALLOW);
        ret(b, RET_ERRNO(EPERM));
        block_end(b, at);
    }
#ifdef SYS_clone3
    op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)SYS_clone3);
    ret(b, RET_ERRNO(ENOSYS));
#endif
#ifdef SYS_openat2
    op(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)SYS_openat2);
    ret(b, RET_ERRNO(ENOSYS));
#endif
    ret(b, RET_ERRNO(EPERM));
}

int emoc_sandbox_available(void)
{
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) return 0; /* kernel without CONFIG_SECCOMP */
    unsigned action = SECCOMP_RET_ERRNO;
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

emoc_status emoc_sandbox_enter(const emoc_sandbox_config *config, emoc_error *err)
{
    emoc_sandbox_config none = {NULL, 0, 0};
    const emoc_sandbox_config *c = config ? config : &none;
    if (c->n_write_dirs < 0 || c->n_write_dirs > EMOC_SANDBOX_MAX_WRITE_DIRS ||
        (c->n_write_dirs > 0 && !c->write_dirs))
        return emoc__fail(err, EMOC_E_ARG, "sandbox: n_write_dirs must be 0..%d with write_dirs set",
                          EMOC_SANDBOX_MAX_WRITE_DIRS);
    for (int i = 0; i < c->n_write_dirs; i++)
        if (c->write_dirs[i] < 0)
            return emoc__fail(err, EMOC_E_ARG, "sandbox: write_dirs[%d] = %d is not a file descriptor", i,
                              c->write_dirs[i]);
    static bpf b; /* 4 KiB: not on a thread's stack */
    memset(&b, 0, sizeof b);
    build(&b, c);
    if (b.overflow) return emoc__fail(err, EMOC_E_INTERNAL, "sandbox: the filter does not fit");
    struct sock_fprog prog = {(unsigned short)b.n, b.insn};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "sandbox: PR_SET_NO_NEW_PRIVS refused: %s", strerror(errno));
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "sandbox: the kernel refused the seccomp filter: %s",
                          strerror(errno));
    return EMOC_OK;
}

#else

int emoc_sandbox_available(void) { return 0; }

emoc_status emoc_sandbox_enter(const emoc_sandbox_config *config, emoc_error *err)
{
    (void)config;
    return emoc__fail(err, EMOC_E_UNSUPPORTED, "sandbox: seccomp filters exist only on Linux x86-64 and ARM64");
}

#endif
