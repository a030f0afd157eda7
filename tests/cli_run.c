/* cli_run.c — running $EMOC_BIN from tests in a scratch directory (see cli_run.h). */
#include "tests/cli_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void cli_scratch_init(cli_scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/emoc_cli_XXXXXX");
    cr_assert(mkdtemp(s->dir), "cannot create a scratch directory");
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
