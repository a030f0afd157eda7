/* cmd_bench.c — `emoc bench` (not implemented yet). */
#include "tools/cli.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    cli_error(argv[0], "not implemented yet");
    return EXIT_RUNTIME;
}
