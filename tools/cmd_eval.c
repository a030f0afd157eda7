/* cmd_eval.c — `emoc eval` (not implemented yet). */
#include "tools/cli.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
