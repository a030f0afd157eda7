/* cmd_ce.c — `emoc ce` (not implemented yet). */
#include "tools/cli.h"

int cmd_ce(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
