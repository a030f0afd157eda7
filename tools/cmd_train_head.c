/* cmd_train_head.c — `emoc train-head` (not implemented yet). */
#include "tools/cli.h"

int cmd_train_head(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
