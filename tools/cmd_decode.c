/* cmd_decode.c — `emoc decode` (not implemented yet). */
#include "tools/cli.h"

int cmd_decode(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
