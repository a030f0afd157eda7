/*
 * cli.h — shared pieces of the emoc command-line tool (tools/emoc.c dispatches to cmd_*.c).
 * Each subcommand lives in tools/cmd_<name>.c and exports `int cmd_<name>(int argc, char **argv)`
 * where argv[0] is the subcommand name. It returns one of the exit codes below.
 */
#ifndef EMOC_TOOLS_CLI_H
#define EMOC_TOOLS_CLI_H

#include "emoc.h"

#include <pthread.h>
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
/* The default of --threads: EMOC_THREADS when set (an integer in [1, 256]), else 1. 0, or -1
 * after printing an error that names the variable. */
int cli_env_threads(const char *cmd, long *threads);
/* Unless quiet, prints "emoc CMD: model 'PATH' sha256 HEX (emoc.name NAME)" on stderr: the run
 * metadata that ties output rows to the exact weight file (docs/reliability.md, loader checklist item 11). */
void cli_note_model(const char *cmd, const char *path, const emoc_model *model, int quiet);
/* The same line with the digest computed on a second thread meanwhile (it reads the loaded
 * bytes only): start it right after loading, print it with cli_digest_note (which waits for it;
 * a failed start computes it there). cli_digest_end only waits, printing nothing. */
typedef struct cli_digest {
    const emoc_model *model;
    pthread_t thread;
    int started, done;
    char hex[65];
} cli_digest;
void cli_digest_start(cli_digest *d, const emoc_model *model, int quiet);
void cli_digest_note(cli_digest *d, const char *cmd, const char *path);
void cli_digest_end(cli_digest *d);
/* For commands that write their output only after a long run (features, train-head): checks
 * up front that PATH can be created or overwritten, leaving no file behind if it did not exist.
 * 0, or -1 after printing "cannot write 'PATH': reason". */
int cli_probe_output(const char *cmd, const char *path);
/* Milliseconds of the monotonic clock (wall time between two calls), and of this process's CPU
 * time (all threads). */
double cli_now_ms(void);
double cli_cpu_ms(void);
/* Reads a whole file into a malloc'ed buffer; NULL + message in err on failure. A file that is
 * not a regular one (pipe, device) is read up to 1 GiB: /dev/zero must not eat the machine. */
unsigned char *cli_read_file(const char *path, size_t *size, char *err, size_t errlen);
/* The same for a file of a known kind, refused early: sniff sees its first bytes (up to
 * CLI_SNIFF_BYTES, fewer if it is shorter) and returns the size cap of the format they show (and
 * names the format in why, e.g. "ONNX files"), or 0 with the reason in why to refuse it; a regular file above the cap is refused from its size, a
 * stream when it passes the cap. Nothing past the first bytes is read from a refused file.
 * NULL on failure with *refused = 1 for those refusals (invalid input), 0 for I/O errors. */
#define CLI_SNIFF_BYTES 64
typedef size_t (*cli_sniff_fn)(const unsigned char *head, size_t n, void *user, char *why, size_t whylen);
unsigned char *cli_read_file_sniffed(const char *path, cli_sniff_fn sniff, void *user, size_t *size, int *refused,
                                     char *err, size_t errlen);
/* Reads a file that must hold exactly `want` bytes into buf, reading at most want + 1 (so a
 * device or a huge file costs nothing). 0 ok; -1 cannot open/read (err says why); -2 wrong size
 * (err gives the size, or "more than want" when it cannot be known). */
int cli_read_exact(const char *path, void *buf, size_t want, char *err, size_t errlen);

/* The option scanner every command uses: options are `NAME VALUE` pairs plus a few value-less
 * flags, in any order, and (when the command takes inputs) positional arguments:
 *     cli_opts o;
 *     cli_opts_init(&o, argc, argv, usage, flags);
 *     const char *a, *v;
 *     while (cli_opts_next(&o, &a, &v)) {
 *         if (strcmp(a, "--x") == 0) x = v;
 *         else return cli_opts_unknown(&o, a);
 *     }
 *     if (o.exit_code >= 0) return o.exit_code;
 * -h/--help prints `usage` to stdout and ends the scan with EXIT_OK; an option left without its
 * value prints "option X needs a value" plus the usage and ends it with EXIT_USAGE.
 * Two switches, set after cli_opts_init, for commands with words of their own:
 *   positional      an argument that does not start with '-', or is "-" alone, comes back with
 *                   name NULL and the argument as value;
 *   value_optional  an option left without its value comes back with value NULL (the command
 *                   says what is missing) instead of ending the scan. */
typedef struct cli_opts {
    int argc, i;
    char **argv;
    const char *usage;
    const char *const *flags;  /* NULL-terminated names that take no value (v = NULL), or NULL */
    int positional, value_optional;
    int exit_code;             /* after the scan: -1 when every option was read, else an exit code */
} cli_opts;
void cli_opts_init(cli_opts *o, int argc, char **argv, const char *usage, const char *const *flags);
/* 1 with *name (and *value, NULL for a flag) set; 0 when the scan has ended (see exit_code). */
int cli_opts_next(cli_opts *o, const char **name, const char **value);
/* Prints "unknown option 'NAME'" plus the usage; returns EXIT_USAGE. */
int cli_opts_unknown(const cli_opts *o, const char *name);

/* Flags that main() takes out of argv for every command (tools/emoc.c): --no-sandbox, --ftz. */
extern int cli_no_sandbox;
extern int cli_ftz;
/* Enters the sandbox (tools/sandbox.c, docs/sandbox.md) unless --no-sandbox or EMOC_SANDBOX=0;
 * write_dirs are directory fds where files may still be created (cli_outfile). 0, or an exit
 * code after printing why (the kernel refused: fail closed). */
int cli_sandbox_enter(const char *cmd, const int *write_dirs, int n_write_dirs);
/* *wanted = whether the sandbox is on for this run; 0, or EXIT_USAGE for a bad EMOC_SANDBOX. */
int cli_sandbox_wanted(const char *cmd, int *wanted);
/* emoc_options_default plus the command line's --ftz. */
void cli_model_options(emoc_options *opt);

/* --max-pixels N for the commands that decode one image path (tools/cli_image.c; predict,
 * detect and features take it through inputs_spec_option): *max_pixels = N, 0 or EXIT_USAGE
 * after printing the error. docs/reliability.md, "Images". */
int cli_max_pixels_option(const char *cmd, const char *value, long *max_pixels);
/* Decodes an image file with EXIF orientation applied: max_pixels 0 = the library's default
 * limits (emoc_image_load_file); else at most max_pixels pixels, each counted as RGB (3 bytes)
 * from the header, as the input iterator does. */
emoc_status cli_load_image(const char *path, long max_pixels, emoc_image *img, emoc_error *err);

typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_mtcnn_net(int argc, char **argv);
/* --threshold P / --min-face N for the commands that detect (cmd_detect.c), from the scanner's
 * name and value: 1 read, 0 not one of these (or its value is missing), -1 after a usage error. */
int detect_option(emoc_detect_options *d, const char *cmd, const char *name, const char *value);
/* Caps the inputs' decoded size at EMOC_DETECT_MAX_SIDE (tools/inputs.h inputs_spec). */
struct inputs_spec;
void detect_limit_inputs(struct inputs_spec *in);
/* emoc_detect into a caller array grown (realloc) to fit every face. */
emoc_status detect_all(emoc_detector *d, const emoc_image *img, const emoc_detect_options *o,
                       emoc_face **faces, int *cap, int *n);
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
