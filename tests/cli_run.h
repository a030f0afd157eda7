/* cli_run.h — running the emoc CLI ($EMOC_BIN, set by `make test`) from a test inside a scratch
 * directory, with its stdout and stderr captured. Failures are Criterion assertions. */
#ifndef EMOC_TESTS_CLI_RUN_H
#define EMOC_TESTS_CLI_RUN_H

#include <stddef.h>
#include <sys/types.h>

typedef struct cli_scratch {
    char dir[64]; /* /tmp/emoc_cli_XXXXXX, removed with everything in it by cli_scratch_free */
} cli_scratch;

void cli_scratch_init(cli_scratch *s);
void cli_scratch_free(cli_scratch *s);

/* Runs `$EMOC_BIN ARGS` in the scratch directory (stdout discarded, stderr into err); returns
 * the child's peak resident memory in kB (wait4 rusage) and its exit code in *rc. */
long cli_run_maxrss_kb(const cli_scratch *s, const char *args, int *rc, char *err, size_t errlen);

/* Runs `emoc ARGS` with the scratch directory as working directory; returns the exit code (−1
 * if it did not exit). out/err (either may be NULL) get the start of its stdout/stderr. */
int cli_run(const cli_scratch *s, const char *args, char *out, size_t outlen, char *err,
            size_t errlen);

/* The scratch directory with the tinynet fixture (tests/core/tinynet_fixture.h, 16×16 input,
 * 8 classes + V/A) written as NAME inside it: the set-up every CLI test shares. */
void cli_scratch_init_tiny(cli_scratch *s, const char *name);
/* Writes the tinynet fixture to PATH, or as NAME into the scratch directory. */
void cli_write_tiny_file(const char *path);
void cli_write_tiny(const cli_scratch *s, const char *name);
/* dir/NAME into buf (asserts it fits). */
const char *cli_scratch_path(const cli_scratch *s, const char *name, char *buf, size_t cap);
/* Writes n bytes to a file in the scratch directory. */
void cli_write_bytes(const cli_scratch *s, const char *name, const void *data, size_t n);

/* Starts `env ENV emoc ARGS` (ENV may be "") in the scratch directory with its stdin and stdout
 * on pipes (*to_child, *from_child; stdin from the file STDIN_FILE instead when to_child is
 * NULL) and its stderr in cli_stderr.txt; the pid is emoc's own (the shell execs it). With
 * ignore_sigpipe the child starts with SIGPIPE ignored (as under some supervisors). */
pid_t cli_spawn(const cli_scratch *s, const char *env, const char *args, const char *stdin_file,
                int *to_child, int *from_child, int ignore_sigpipe);
/* Reads from fd until n newlines have arrived; asserts they did. */
void cli_read_lines(int fd, int n);
/* waitpid + the exit code, or 128 + the signal that ended it (as a shell reports it). */
int cli_wait(pid_t pid);

/* Writes text to, or reads up to cap−1 bytes of, a file in the scratch directory. */
void cli_write_text(const cli_scratch *s, const char *name, const char *text);
size_t cli_read_text(const cli_scratch *s, const char *name, char *buf, size_t cap);

#endif
