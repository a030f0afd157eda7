/* test_cli_opts.c — the option scan every command shares (tools/cli.c cli_opts_*): --help,
 * an option left without its value, unknown options, value-less flags, and for the frame commands
 * positional inputs and their own words for a missing value, through $EMOC_BIN. */
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

Test(cli_opts, every_command_answers_help, .init = setup, .fini = teardown)
{
    static const char *const all[] = {"predict", "detect", "features", "convert", "decode", "info",
                                      "preprocess", "bench", "mtcnn-net", "ce", "mtl", "tune",
                                      "train-head", "eval"};
    char args[64], want[64];
    for (size_t c = 0; c < sizeof all / sizeof *all; c++) {
        snprintf(args, sizeof args, "%s -h", all[c]);
        cr_assert_eq(run(args), 0, "%s", args);
        snprintf(want, sizeof want, "usage: emoc %s ", all[c]);
        expect_start(out, want, args);
        cr_assert_str_eq(err, "", "%s", args);
    }
}

Test(cli_opts, positional_inputs_and_missing_values, .init = setup, .fini = teardown)
{
    cr_assert_eq(run("decode a.png b.png"), 2);
    expect_start(err, "emoc decode: more than one input ('a.png' and 'b.png')", "decode a b");
    cr_assert_eq(run("convert a b c d -o x.emw"), 2);
    expect_start(err, "emoc convert: too many input files ('d')", "convert a b c d");
    /* a missing value in each command's own words */
    cr_assert_eq(run("features -m"), 2);
    expect_start(err, "emoc features: unknown option or missing value '-m'\nusage: emoc features ", "features -m");
    cr_assert_eq(run("predict x.png --raw"), 2);
    expect_start(err, "emoc predict: --raw expects WIDTHxHEIGHT", "predict --raw");
    cr_assert_eq(run("info --isa"), 2);
    expect_start(err, "emoc info: --isa expects ref, avx2, avx512, neon or auto", "info --isa");
    /* "-" alone is an input (stdin), not an option */
    cr_assert_eq(run("bench -"), 2);
    expect_start(err, "emoc bench: unknown argument '-' (or missing value)", "bench -");
}
