/* cmd_mtl.c — `emoc mtl` (not implemented yet). */
#include "tools/cli.h"

int cmd_mtl(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
