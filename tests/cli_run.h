/* cli_run.h — running the emoc CLI ($EMOC_BIN, set by `make test`) from a test inside a scratch
 * directory, with its stdout and stderr captured. Failures are Criterion assertions. */
#ifndef EMOC_TESTS_CLI_RUN_H
#define EMOC_TESTS_CLI_RUN_H

#include <stddef.h>

typedef struct cli_scratch {
    char dir[64]; /* /tmp/emoc_cli_XXXXXX, removed with everything in it by cli_scratch_free */
} cli_scratch;

void cli_scratch_init(cli_scratch *s);
void cli_scratch_free(cli_scratch *s);

/* Runs `emoc ARGS` with the scratch directory as working directory; returns the exit code (−1
 * if it did not exit). out/err (either may be NULL) get the start of its stdout/stderr. */
int cli_run(const cli_scratch *s, const char *args, char *out, size_t outlen, char *err,
            size_t errlen);

/* Writes text to, or reads up to cap−1 bytes of, a file in the scratch directory. */
void cli_write_text(const cli_scratch *s, const char *name, const char *text);
size_t cli_read_text(const cli_scratch *s, const char *name, char *buf, size_t cap);

#endif
