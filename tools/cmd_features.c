/* cmd_features.c — `emoc features` (not implemented yet). */
#include "tools/cli.h"

int cmd_features(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
