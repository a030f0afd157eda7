/* cli_run.c — running $EMOC_BIN from tests in a scratch directory (see cli_run.h). */
#include "tests/cli_run.h"
#include "tests/core/tinynet_fixture.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void cli_scratch_init(cli_scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/emoc_cli_XXXXXX");
    cr_assert(mkdtemp(s->dir), "cannot create a scratch directory");
}

const char *cli_scratch_path(const cli_scratch *s, const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", s->dir, name);
    cr_assert(n > 0 && (size_t)n < cap, "path too long: %s/%s", s->dir, name);
    return buf;
}

void cli_write_bytes(const cli_scratch *s, const char *name, const void *data, size_t n)
{
    char path[256];
    FILE *f = fopen(cli_scratch_path(s, name, path, sizeof path), "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

void cli_write_tiny_file(const char *path)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *emw = tiny_build(&o, &n);
    cr_assert(emw, "tinynet fixture");
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(emw, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    free(emw);
}

void cli_write_tiny(const cli_scratch *s, const char *name)
{
    char path[256];
    cli_write_tiny_file(cli_scratch_path(s, name, path, sizeof path));
}

void cli_scratch_init_tiny(cli_scratch *s, const char *name)
{
    cli_scratch_init(s);
    cli_write_tiny(s, name);
}

void cli_scratch_free(cli_scratch *s)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    cr_assert_eq(system(cmd), 0);
}

size_t cli_read_text(const cli_scratch *s, const char *name, char *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s missing", path);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

void cli_write_text(const cli_scratch *s, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

int cli_run(const cli_scratch *s, const char *args, char *out, size_t outlen, char *err,
            size_t errlen)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN is not set (run through make test)");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s %s >cli_stdout.txt 2>cli_stderr.txt", s->dir, bin,
             args);
    int rc = system(cmd);
    if (out) cli_read_text(s, "cli_stdout.txt", out, outlen);
    if (err) cli_read_text(s, "cli_stderr.txt", err, errlen);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

pid_t cli_spawn(const cli_scratch *s, const char *env, const char *args, const char *stdin_file,
                int *to_child, int *from_child, int ignore_sigpipe)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN is not set (run through make test)");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && exec env %s %s %s %s%s 2>cli_stderr.txt", s->dir, env, bin, args,
             stdin_file ? "<" : "", stdin_file ? stdin_file : "");
    int in[2] = {-1, -1}, out[2];
    cr_assert(!to_child || pipe(in) == 0);
    cr_assert_eq(pipe(out), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (to_child) dup2(in[0], 0);
        dup2(out[1], 1);
        if (to_child) close(in[0]), close(in[1]);
        close(out[0]), close(out[1]);
        signal(SIGPIPE, ignore_sigpipe ? SIG_IGN : SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (to_child) {
        close(in[0]);
        *to_child = in[1];
    }
    close(out[1]);
    *from_child = out[0];
    return pid;
}

void cli_read_lines(int fd, int n)
{
    char c;
    while (n > 0 && read(fd, &c, 1) == 1)
        if (c == '\n') n--;
    cr_assert_eq(n, 0, "the output ended %d lines early", n);
}

int cli_wait(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

long cli_run_maxrss_kb(const cli_scratch *s, const char *args, int *rc, char *err, size_t errlen)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN is not set (run through make test)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && exec %s %s >/dev/null 2>cli_stderr.txt", s->dir, bin, args);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    cli_read_text(s, "cli_stderr.txt", err, errlen);
    return ru.ru_maxrss;
}
