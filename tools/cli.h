/*
 * cli.h — shared pieces of the emoc command-line tool (tools/emoc.c dispatches to cmd_*.c).
 * Each subcommand lives in tools/cmd_<name>.c and exports `int cmd_<name>(int argc, char **argv)`
 * where argv[0] is the subcommand name. It returns one of the exit codes below.
 */
#ifndef EMOC_TOOLS_CLI_H
#define EMOC_TOOLS_CLI_H

#include "emoc.h"
#include <stdio.h>

/* Exit codes (documented in `emoc --help`). */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_RUNTIME = 1,   /* runtime failure (I/O, out of memory, internal error) */
    EXIT_USAGE = 2,     /* bad command line */
    EXIT_INPUT = 3,     /* invalid input file (weights, image, annotation, features) */
    EXIT_PARTIAL = 4    /* the run completed but some frames/rows have a non-ok status */
};

/* Prints "emoc CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps a library status to an exit code (E_ARG → usage is not assumed; input errors → 3). */
int cli_exit_for_status(emoc_status st);
/* Parses a positive int option value; prints an error naming the option on failure. */
int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
/* Reads a whole file into a malloc'ed buffer; NULL + message in err on failure. */
unsigned char *cli_read_file(const char *path, size_t *size, char *err, size_t errlen);

typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_preprocess(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_mtl(int argc, char **argv);
int cmd_ce(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_train_head(int argc, char **argv);

#endif
