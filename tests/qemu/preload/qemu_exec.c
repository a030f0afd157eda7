/*
 * qemu_exec.c — LD_PRELOAD library for the aarch64 Criterion suite under qemu-user
 * (`make test-qemu-full`), where binfmt_misc is not registered (CI containers cannot).
 *
 * Criterion (BoxFort) runs every test in a worker made by fork + execve(/proc/self/exe).  Under
 * qemu-user that execve reaches the host kernel, which cannot run an aarch64 ELF ("Exec format
 * error"; Criterion then aborts with "Could not spawn test instance: Protocol error").  This
 * execve() runs aarch64 ELF files through qemu-aarch64 instead (EMOC_QEMU_BIN, default
 * /usr/bin/qemu-aarch64), keeping argv[0] (-0) and passing LD_PRELOAD / LD_LIBRARY_PATH to the
 * emulated program only (-E), so the host qemu and host shells never see aarch64 libraries.
 * Every other execve is passed through unchanged.  At load it removes LD_PRELOAD from the
 * environment, so shells started by system()/popen() (which do not go through execve() here)
 * do not get an aarch64 preload either.
 * Built only by `make cross-aarch64-full` (files two levels under tests/ are outside the test
 * wildcard).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

static char preload_path[4096];

__attribute__((constructor)) static void forget_preload(void)
{
    const char *p = getenv("LD_PRELOAD");
    if (p && strlen(p) < sizeof(preload_path)) strcpy(preload_path, p);
    unsetenv("LD_PRELOAD");
}

static int is_aarch64_elf(const char *path)
{
    Elf64_Ehdr h;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, &h, sizeof(h));
    close(fd);
    return n == (ssize_t)sizeof(h) && !memcmp(h.e_ident, ELFMAG, SELFMAG) &&
           h.e_ident[EI_CLASS] == ELFCLASS64 && h.e_machine == EM_AARCH64;
}

static int is_loader_var(const char *kv)
{
    return !strncmp(kv, "LD_PRELOAD=", 11) || !strncmp(kv, "LD_LIBRARY_PATH=", 16);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    execve_fn real = (execve_fn)dlsym(RTLD_NEXT, "execve");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    if (!is_aarch64_elf(path)) return real(path, argv, envp);

    const char *qemu = getenv("EMOC_QEMU_BIN");
    if (!qemu || !*qemu) qemu = "/usr/bin/qemu-aarch64";
    size_t argc = 0, envc = 0;
    while (argv[argc]) argc++;
    while (envp && envp[envc]) envc++;
    /* qemu -0 ARGV0 [-E VAR=V]... PATH ARGV[1..] — stack arrays: no malloc after fork. */
    const char *nargv[argc + 2 * envc + 8];
    const char *nenv[envc + 1];
    char preload_kv[sizeof(preload_path) + 16];
    size_t a = 0, e = 0;
    nargv[a++] = qemu;
    nargv[a++] = "-0";
    nargv[a++] = argc ? argv[0] : path;
    if (preload_path[0]) {
        strcpy(preload_kv, "LD_PRELOAD=");
        strcat(preload_kv, preload_path);
        nargv[a++] = "-E";
        nargv[a++] = preload_kv;
    }
    for (size_t i = 0; i < envc; i++) {
        if (!is_loader_var(envp[i])) {
            nenv[e++] = envp[i];
        } else if (strncmp(envp[i], "LD_PRELOAD=", 11)) {
            nargv[a++] = "-E";
            nargv[a++] = envp[i];
        }
    }
    nenv[e] = NULL;
    nargv[a++] = path;
    for (size_t i = 1; i < argc; i++) nargv[a++] = argv[i];
    nargv[a] = NULL;
    return real(qemu, (char *const *)nargv, (char *const *)nenv);
}
