/* test_cli_opts.c — the option scan the ABAW commands share (tools/cli.c cli_opts_*): --help,
 * an option left without its value, unknown options and value-less flags, through $EMOC_BIN. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/cli_run.h"

static const char *const commands[] = {"ce", "mtl", "tune", "train-head", "eval"};
static cli_scratch scratch;
static char out[4096], err[4096];

static void setup(void) { cli_scratch_init(&scratch); }
static void teardown(void) { cli_scratch_free(&scratch); }

static int run(const char *args)
{
    return cli_run(&scratch, args, out, sizeof out, err, sizeof err);
}

/* stderr (or stdout) must start with want. */
static void expect_start(const char *got, const char *want, const char *args)
{
    cr_assert(strncmp(got, want, strlen(want)) == 0, "%s: got '%.160s', want '%s...'", args, got,
              want);
}

Test(cli_opts, help_prints_usage_on_stdout_and_exits_0, .init = setup, .fini = teardown)
{
    char args[64], want[64];
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
        snprintf(args, sizeof args, "%s --help", commands[c]);
        cr_assert_eq(run(args), 0, "%s", args);
        snprintf(want, sizeof want, "usage: emoc %s ", commands[c]);
        expect_start(out, want, args);
        cr_assert_str_eq(err, "");
        /* -h given as an option's value is that value, not a request for help */
        snprintf(args, sizeof args, "%s -o -h", commands[c]);
        cr_assert_eq(run(args), 2, "%s", args);
        cr_assert_str_eq(out, "");
    }
}

Test(cli_opts, option_without_value_and_unknown_option_exit_2, .init = setup, .fini = teardown)
{
    char args[64], want[96];
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
        snprintf(args, sizeof args, "%s --features", commands[c]);
        cr_assert_eq(run(args), 2, "%s", args);
        snprintf(want, sizeof want, "emoc %s: option --features needs a value\nusage: emoc %s ",
                 commands[c], commands[c]);
        expect_start(err, want, args);
        snprintf(args, sizeof args, "%s --bogus 1", commands[c]);
        cr_assert_eq(run(args), 2, "%s", args);
        snprintf(want, sizeof want, "emoc %s: unknown option '--bogus'\nusage: emoc %s ",
                 commands[c], commands[c]);
        expect_start(err, want, args);
    }
}

Test(cli_opts, flags_take_no_value, .init = setup, .fini = teardown)
{
    /* eval's --json and --drop-other are flags: the scan goes on to the missing --pred. */
    cr_assert_eq(run("eval --json --drop-other"), 2);
    expect_start(err, "emoc eval: --pred and --labels are required\n", "eval --json");
    /* elsewhere --json is an option like any other and wants a value */
    cr_assert_eq(run("ce --json"), 2);
    expect_start(err, "emoc ce: option --json needs a value\n", "ce --json");
}
