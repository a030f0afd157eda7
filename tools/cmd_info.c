/* cmd_info.c — `emoc info` (not implemented yet). */
#include "tools/cli.h"

int cmd_info(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
