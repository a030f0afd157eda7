/* cmd_predict.c — `emoc predict` (not implemented yet). */
#include "tools/cli.h"

int cmd_predict(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
