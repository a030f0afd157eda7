/* cmd_convert.c — `emoc convert` (not implemented yet). */
#include "tools/cli.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
