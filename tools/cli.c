/* cli.c — helpers shared by the emoc subcommands: messages, exit codes, option parsing. */
#include "tools/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "emoc %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_exit_for_status(emoc_status st)
{
    switch (st) {
    case EMOC_OK: return EXIT_OK;
    case EMOC_E_ARG: return EXIT_USAGE;
    case EMOC_E_IO:
    case EMOC_E_NOMEM:
    case EMOC_E_INTERNAL: return EXIT_RUNTIME;
    default: return EXIT_INPUT;
    }
}

int cli_env_threads(const char *cmd, long *threads)
{
    const char *env = getenv("EMOC_THREADS");
    *threads = 1;
    if (!env || !*env) return 0;
    return cli_parse_int(cmd, "EMOC_THREADS", env, 1, 256, threads);
}

int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        cli_error(cmd, "%s expects an integer in [%ld, %ld], got '%s'", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

void cli_opts_init(cli_opts *o, int argc, char **argv, const char *usage, const char *const *flags)
{
    o->argc = argc;
    o->argv = argv;
    o->i = 1;
    o->usage = usage;
    o->flags = flags;
    o->positional = 0;
    o->value_optional = 0;
    o->exit_code = -1;
}

static int is_flag(const cli_opts *o, const char *a)
{
    for (const char *const *f = o->flags; f && *f; f++)
        if (strcmp(a, *f) == 0) return 1;
    return 0;
}

int cli_opts_next(cli_opts *o, const char **name, const char **value)
{
    if (o->exit_code >= 0 || o->i >= o->argc) return 0;
    const char *a = o->argv[o->i++];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        fputs(o->usage, stdout);
        o->exit_code = EXIT_OK;
        return 0;
    }
    *name = a;
    *value = NULL;
    if (o->positional && (a[0] != '-' || strcmp(a, "-") == 0)) {
        *name = NULL;
        *value = a;
        return 1;
    }
    if (is_flag(o, a)) return 1;
    if (o->i >= o->argc && o->value_optional) return 1;
    if (o->i >= o->argc) {
        cli_error(o->argv[0], "option %s needs a value\n%s", a, o->usage);
        o->exit_code = EXIT_USAGE;
        return 0;
    }
    *value = o->argv[o->i++];
    return 1;
}

int cli_opts_unknown(const cli_opts *o, const char *name)
{
    cli_error(o->argv[0], "unknown option '%s'\n%s", name, o->usage);
    return EXIT_USAGE;
}

static void print_digest(const char *cmd, const char *path, const emoc_model *model,
                         const char *hex)
{
    const char *name = emoc_model_meta(model, "emoc.name");
    fprintf(stderr, "emoc %s: model '%s' sha256 %s (emoc.name %s)\n", cmd, path, hex,
            name && *name ? name : "?");
}

void cli_note_model(const char *cmd, const char *path, const emoc_model *model, int quiet)
{
    char hex[65];
    if (quiet || emoc_model_sha256(model, hex) != EMOC_OK) return;
    print_digest(cmd, path, model, hex);
}

static void *digest_thread(void *arg)
{
    cli_digest *d = arg;
    emoc_model_sha256(d->model, d->hex);
    return NULL;
}

void cli_digest_start(cli_digest *d, const emoc_model *model, int quiet)
{
    memset(d, 0, sizeof *d);
    if (quiet || !model) return;
    d->model = model;
    d->started = pthread_create(&d->thread, NULL, digest_thread, d) == 0;
    if (!d->started) d->done = emoc_model_sha256(model, d->hex) == EMOC_OK;
}

void cli_digest_end(cli_digest *d)
{
    if (d->started) {
        pthread_join(d->thread, NULL);
        d->started = 0;
        d->done = 1;
    }
}

void cli_digest_note(cli_digest *d, const char *cmd, const char *path)
{
    if (!d->model) return;
    cli_digest_end(d);
    if (d->done) print_digest(cmd, path, d->model, d->hex);
    d->model = NULL;
}

int cli_probe_output(const char *cmd, const char *path)
{
    struct stat sb;
    int existed = stat(path, &sb) == 0;
    if (existed && S_ISDIR(sb.st_mode)) {
        cli_error(cmd, "cannot write '%s': Is a directory", path);
        return -1;
    }
    FILE *f = fopen(path, "ab"); /* "a": an existing file keeps its bytes until the real write */
    if (!f) {
        cli_error(cmd, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    fclose(f);
    if (!existed) remove(path);
    return 0;
}

int cli_read_exact(const char *path, void *buf, size_t want, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t got = fread(buf, 1, want, f);
    int more = got == want && fgetc(f) != EOF;
    int bad = ferror(f);
    int saved = errno;
    struct stat sb;
    int sized = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "read error on '%s': %s", path, strerror(saved));
        return -1;
    }
    if (got == want && !more) return 0;
    if (sized) snprintf(err, errlen, "'%s' has %lld bytes, expected %zu", path, (long long)sb.st_size, want);
    else snprintf(err, errlen, "'%s' has %s %zu bytes, expected %zu", path, more ? "more than" : "only", more ? want : got, want);
    return -2;
}

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

double cli_now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

double cli_cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

/* Reads f to its end into a buffer that already holds n bytes (cap allocated), refusing more
 * than limit bytes; closes f. */
static unsigned char *read_rest(FILE *f, const char *path, unsigned char *buf, size_t n, size_t cap,
                                size_t limit, int regular, size_t *size, char *err, size_t errlen)
{
    while (buf) {
        if (n == cap) {
            if (cap > limit) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "'%s' is %s larger than %zu bytes; refusing to read it whole", path,
                         regular ? "a file" : "a stream (not a regular file)", limit);
                return NULL;
            }
            /* one byte past the limit tells a file of exactly the limit from a longer one */
            size_t grow = cap <= limit / 2 ? cap * 2 : limit == SIZE_MAX ? limit : limit + 1;
            unsigned char *nb = realloc(buf, grow);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = grow;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (!buf) {
        snprintf(err, errlen, "out of memory reading '%s'", path);
    } else if (ferror(f)) {
        snprintf(err, errlen, "read error on '%s': %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *size = n;
    return buf;
}

/* Opens path for a whole read with a first buffer of cap bytes; NULL + message on failure. */
static FILE *open_whole(const char *path, int *regular, uint64_t *st_size, unsigned char **buf,
                        size_t cap, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    *regular = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
    *st_size = *regular ? (uint64_t)sb.st_size : 0;
    if (!(*buf = malloc(cap))) {
        fclose(f);
        snprintf(err, errlen, "out of memory reading '%s'", path);
        return NULL;
    }
    return f;
}

unsigned char *cli_read_file(const char *path, size_t *size, char *err, size_t errlen)
{
    int regular;
    uint64_t st_size;
    size_t cap = 1 << 16;
    unsigned char *buf;
    FILE *f = open_whole(path, &regular, &st_size, &buf, cap, err, errlen);
    if (!f) return NULL;
    /* 1 TiB for files, where size_t has room (64-bit); a 32-bit address space ends first */
    uint64_t file_limit = (uint64_t)1 << 40;
    size_t limit = regular ? (file_limit > SIZE_MAX ? SIZE_MAX : (size_t)file_limit) : (size_t)1 << 30;
    return read_rest(f, path, buf, 0, cap, limit, regular, size, err, errlen);
}

unsigned char *cli_read_file_sniffed(const char *path, cli_sniff_fn sniff, void *user, size_t *size, int *refused,
                                     char *err, size_t errlen)
{
    *refused = 0;
    int regular;
    uint64_t st_size;
    size_t cap = 1 << 16;
    unsigned char *buf;
    FILE *f = open_whole(path, &regular, &st_size, &buf, cap, err, errlen);
    if (!f) return NULL;
    size_t n = 0, got;
    while (n < CLI_SNIFF_BYTES && (got = fread(buf + n, 1, CLI_SNIFF_BYTES - n, f)) > 0) n += got;
    char why[400] = "";
    size_t limit = sniff(buf, n, user, why, sizeof why);
    if (limit && regular && st_size > (uint64_t)limit) {
        char kind[64];
        snprintf(kind, sizeof kind, "%s", why);
        snprintf(why, sizeof why, "'%s' is %llu bytes, above the %zu-byte limit for %s", path,
                 (unsigned long long)st_size, limit, kind[0] ? kind : "this kind of file");
        limit = 0;
    }
    if (!limit) { /* refused from its first bytes or its size: the rest is never read */
        *refused = 1;
        free(buf);
        fclose(f);
        snprintf(err, errlen, "%s", why[0] ? why : "refused");
        return NULL;
    }
    return read_rest(f, path, buf, n, cap, limit, regular, size, err, errlen);
}
