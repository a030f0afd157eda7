/* cmd_preprocess.c — `emoc preprocess` (not implemented yet). */
#include "tools/cli.h"

int cmd_preprocess(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
