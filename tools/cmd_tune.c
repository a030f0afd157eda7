/* cmd_tune.c — `emoc tune` (not implemented yet). */
#include "tools/cli.h"

int cmd_tune(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
