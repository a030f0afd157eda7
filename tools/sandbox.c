/* sandbox.c — the CLI's side of the sandbox (docs/sandbox.md): on by default for the commands
 * that read untrusted input (predict, detect, features, mtl, ce, eval), entered once their
 * models are loaded and their outputs opened; off with --no-sandbox or EMOC_SANDBOX=0; a
 * kernel that refuses it fails the command (fail closed) rather than running unprotected. */
#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>

int cli_no_sandbox;
int cli_ftz;

int cli_sandbox_wanted(const char *cmd, int *wanted)
{
    const char *env = getenv("EMOC_SANDBOX");
    *wanted = !cli_no_sandbox;
    if (!env || !*env || !strcmp(env, "1")) return 0;
    if (!strcmp(env, "0")) {
        *wanted = 0;
        return 0;
    }
    cli_error(cmd, "EMOC_SANDBOX must be 0 or 1, got '%s'", env);
    return EXIT_USAGE;
}

void cli_model_options(emoc_options *opt)
{
    emoc_options_default(opt);
    opt->flush_denormals = cli_ftz;
}

int cli_sandbox_enter(const char *cmd, const int *write_dirs, int n_write_dirs)
{
    int wanted;
    int rc = cli_sandbox_wanted(cmd, &wanted);
    if (rc || !wanted) return rc;
    emoc_sandbox_config c = {write_dirs, n_write_dirs, 0};
    emoc_error err = {{0}};
    if (emoc_sandbox_enter(&c, &err) != EMOC_OK) {
        cli_error(cmd, "%s; not running without it (--no-sandbox or EMOC_SANDBOX=0 turns it off)", err.msg);
        return EXIT_RUNTIME;
    }
    return 0;
}
