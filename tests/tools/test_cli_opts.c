/* test_cli_opts.c — the option scan the ABAW commands share (tools/cli.c cli_opts_*): --help,
 * an option left without its value, unknown options and value-less flags, through $EMOC_BIN. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const commands[] = {"ce", "mtl", "tune", "train-head", "eval"};

/* Runs `emoc ARGS`; returns the exit code with the first line of stdout and all of stderr. */
static int run(const char *args, char *out, size_t outlen, char *err, size_t errlen)
{
    /* Criterion runs tests in parallel processes: the capture files are per process. */
    char paths[2][64], cmd[1024];
    snprintf(paths[0], sizeof paths[0], "/tmp/emoc_cli_opts_%ld.out", (long)getpid());
    snprintf(paths[1], sizeof paths[1], "/tmp/emoc_cli_opts_%ld.err", (long)getpid());
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", getenv("EMOC_BIN"), args, paths[0], paths[1]);
    int rc = system(cmd);
    char *bufs[2] = {out, err};
    size_t lens[2] = {outlen, errlen};
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(paths[k], "r");
        size_t n = f ? fread(bufs[k], 1, lens[k] - 1, f) : 0;
        bufs[k][n] = '\0';
        if (f) fclose(f);
        remove(paths[k]);
    }
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(cli_opts, help_prints_usage_on_stdout_and_exits_0)
{
    char out[4096], err[4096], args[64], want[64];
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
        snprintf(args, sizeof args, "%s --help", commands[c]);
        cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s", args);
        snprintf(want, sizeof want, "usage: emoc %s ", commands[c]);
        cr_assert(strncmp(out, want, strlen(want)) == 0, "%s: stdout '%.80s'", args, out);
        cr_assert_str_eq(err, "");
        /* -h given as an option's value is that value, not a request for help */
        snprintf(args, sizeof args, "%s -o -h", commands[c]);
        cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 2, "%s", args);
        cr_assert_str_eq(out, "");
    }
}

Test(cli_opts, option_without_value_and_unknown_option_exit_2)
{
    char out[4096], err[4096], args[64], want[96];
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
        snprintf(args, sizeof args, "%s --features", commands[c]);
        cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 2, "%s", args);
        snprintf(want, sizeof want, "emoc %s: option --features needs a value\nusage: emoc %s ",
                 commands[c], commands[c]);
        cr_assert(strncmp(err, want, strlen(want)) == 0, "%s: stderr '%.120s'", args, err);
        snprintf(args, sizeof args, "%s --bogus 1", commands[c]);
        cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 2, "%s", args);
        snprintf(want, sizeof want, "emoc %s: unknown option '--bogus'\nusage: emoc %s ",
                 commands[c], commands[c]);
        cr_assert(strncmp(err, want, strlen(want)) == 0, "%s: stderr '%.120s'", args, err);
    }
}

Test(cli_opts, flags_take_no_value)
{
    char out[4096], err[4096];
    /* eval's --json and --drop-other are flags: the scan goes on to the missing --pred. */
    cr_assert_eq(run("eval --json --drop-other", out, sizeof out, err, sizeof err), 2);
    cr_assert(strncmp(err, "emoc eval: --pred and --labels are required\n", 44) == 0, "%s", err);
    /* elsewhere --json is an option like any other and wants a value */
    cr_assert_eq(run("ce --json", out, sizeof out, err, sizeof err), 2);
    cr_assert(strncmp(err, "emoc ce: option --json needs a value\n", 37) == 0, "%s", err);
}
