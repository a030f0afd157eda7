/* resume_out.c — atomic, resumable output files for --resume (resume_out.h). */
#include "tools/resume_out.h"
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(resume_out *r, const char *what)
{
    cli_error(r->cmd, "cannot write '%s': %s: %s", r->path, what, strerror(errno));
    return EXIT_RUNTIME;
}

static int new_pending(resume_out *r)
{
    r->pbuf = NULL;
    r->plen = 0;
    r->pending = open_memstream(&r->pbuf, &r->plen);
    if (!r->pending) return fail(r, "out of memory");
    return 0;
}

/* Reads the whole previous output through fd. */
static int read_old(resume_out *r, int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            close(fd);
            cli_error(r->cmd, "out of memory reading '%s'", r->path);
            return EXIT_RUNTIME;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            cli_error(r->cmd, "cannot read '%s' to resume: %s", r->path, strerror(errno));
            free(buf);
            close(fd);
            return EXIT_RUNTIME;
        }
        if (got == 0) break;
        len += (size_t)got;
        if (len == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    close(fd);
    buf[len] = 0;
    r->old = buf;
    r->old_len = len;
    return 0;
}

int resume_open_dir(resume_out *r, const char *cmd, const char *path)
{
    memset(r, 0, sizeof *r);
    r->cmd = cmd;
    r->path = path;
    r->dirfd = r->fd = -1;
    unit_table_init(&r->units);
    unit_table_init(&r->paths);
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    r->base = strdup(slash ? slash + 1 : path);
    if (r->base) r->tmp = malloc(strlen(r->base) + 12);
    if (!dir || !r->base || !r->tmp) {
        free(dir);
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    if (!*r->base) {
        free(dir);
        cli_error(cmd, "--resume: -o '%s' names a directory, not a file", path);
        return EXIT_USAGE;
    }
    sprintf(r->tmp, ".%s.emoc-tmp", r->base);
    r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dirfd < 0) {
        cli_error(cmd, "cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
        free(dir);
        return EXIT_RUNTIME;
    }
    free(dir);
    return 0;
}

int resume_open(resume_out *r, const char *cmd, const char *path, int jsonl)
{
    int rc = resume_open_dir(r, cmd, path);
    if (rc) return rc;
    r->jsonl = jsonl;
    int fd = openat(r->dirfd, r->base, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 && errno != ENOENT) {
        cli_error(cmd, "cannot read '%s' to resume: %s", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (fd >= 0 && (fstat(fd, &sb) || !S_ISREG(sb.st_mode))) {
        close(fd);
        cli_error(cmd, "--resume: '%s' is not a regular file", path);
        return EXIT_USAGE;
    }
    if (fd >= 0 && (rc = read_old(r, fd))) return rc;
    return new_pending(r);
}

int resume_list(resume_out *r, const char *path, const char *unit)
{
    unit_entry *u = unit_table_get(&r->units, unit);
    if (!u) return -1;
    if (!u->listed) u->order = r->n_units++;
    if (path && strcmp(path, unit)) u->folder = 1;
    u->listed++;
    u->remaining++;
    unit_entry *p = unit_table_get(&r->paths, path ? path : "");
    if (!p) return -1;
    if (!p->owner) p->owner = strdup(unit);
    p->listed++;
    return p->owner ? 0 : -1;
}

/* ---- the previous output's rows ------------------------------------------------------------ */

/* One record of the previous output starting at s: its input field unescaped into key (malloc'ed),
 * returns the length of the record including its '\n' (0 at the end; a record without its '\n'
 * is a cut write and is not a row). */
static size_t next_record(const resume_out *r, const char *s, size_t left, char **key)
{
    *key = NULL;
    size_t i = 0;
    char *k = malloc(left + 1);
    size_t kl = 0;
    if (!k) return 0;
    if (r->jsonl) {
        const char *pre = "{\"input\":\"";
        size_t pl = strlen(pre);
        int ok = left > pl && !memcmp(s, pre, pl);
        for (i = ok ? pl : 0; ok && i < left && s[i] != '"'; i++) {
            char c = s[i];
            if (c == '\\' && i + 1 < left) {
                c = s[++i];
                if (c == 'u' && i + 4 < left) {
                    c = (char)strtol((char[]){s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0}, NULL, 16);
                    i += 4;
                } else if (c == 'n') c = '\n';
                else if (c == 't') c = '\t';
                else if (c == 'r') c = '\r';
            }
            k[kl++] = c;
        }
        if (!ok) kl = 0;
        while (i < left && s[i] != '\n') i++;
    } else {
        int in_q = 0, in_key = 1;
        for (i = 0; i < left; i++) {
            char c = s[i];
            if (c == '"') {
                if (in_q && i + 1 < left && s[i + 1] == '"') {
                    if (in_key) k[kl++] = '"';
                    i++;
                    continue;
                }
                in_q = !in_q;
                continue;
            }
            if (!in_q && c == '\n') break;
            if (!in_q && c == ',') in_key = 0;
            else if (in_key) k[kl++] = c;
        }
    }
    if (i >= left) { /* no '\n': not a whole row */
        free(k);
        return 0;
    }
    k[kl] = 0;
    *key = k;
    return i + 1;
}

static const char *owner_of(const resume_out *r, const char *path)
{
    const unit_entry *p = unit_table_find(&r->paths, path);
    return p ? p->owner : NULL;
}

/* Walks the previous output's rows; with write, copies the kept ones to pending. */
static void walk_rows(resume_out *r, size_t start, int write)
{
    size_t off = start;
    char *prev = NULL;
    for (;;) {
        char *key;
        size_t n = next_record(r, r->old + off, r->old_len - off, &key);
        if (!n) break;
        const char *unit = owner_of(r, key);
        unit_entry *u = unit ? unit_table_find(&r->units, unit) : NULL;
        int new_frame = !r->per_frame || !prev || strcmp(prev, key);
        if (u && !write && new_frame) u->existing++;
        if (u && write && u->existing == u->listed) fwrite(r->old + off, 1, n, r->pending);
        free(prev);
        prev = key;
        off += n;
    }
    free(prev);
}

static size_t header_end(const resume_out *r)
{
    if (r->jsonl || !r->old) return 0;
    const char *nl = memchr(r->old, '\n', r->old_len);
    return nl ? (size_t)(nl - r->old) + 1 : r->old_len;
}

int resume_check_header(resume_out *r, const char *header)
{
    if (r->jsonl || !r->old || !r->old_len) return 0;
    size_t he = header_end(r), hl = strlen(header);
    if (he != hl + 1 || memcmp(r->old, header, hl)) {
        cli_error(r->cmd, "--resume: '%s' has another CSV header than this run writes (another model, "
                          "--embedding or format?): remove it or run without --resume", r->path);
        return EXIT_USAGE;
    }
    return 0;
}

void resume_scan(resume_out *r)
{
    if (r->scanned) return;
    r->scanned = 1;
    if (r->scan_hook) r->scan_hook(r->scan_user, r);
    else if (r->old) walk_rows(r, header_end(r), 0);
}

int resume_unit_done(const resume_out *r, const char *unit)
{
    const unit_entry *u = unit_table_find(&r->units, unit);
    return u && u->listed > 0 && u->existing == u->listed;
}

/* ---- committing -------------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Replacing the file costs a copy of it: at most about once a second, and never more than a
 * fifth of the run's time. */
static int due(const resume_out *r, double t0)
{
    double wait = r->last_cost * 4 > 1.0 ? r->last_cost * 4 : 1.0;
    return t0 - r->last_commit >= wait;
}

static int commit(resume_out *r, int force)
{
    double t0 = cli_now_ms() * 1e-3;
    if (!force && !due(r, t0)) return 0;
    if (fflush(r->pending)) return fail(r, "out of memory");
    int fd = openat(r->dirfd, r->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return fail(r, "creating its temporary file");
    char buf[1 << 16];
    for (off_t off = 0; off < r->committed;) {
        ssize_t got = pread(r->fd, buf, sizeof buf, off);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 || write_all(fd, buf, (size_t)got)) {
            if (got == 0) errno = EIO;
            close(fd);
            unlinkat(r->dirfd, r->tmp, 0);
            return fail(r, "copying the committed rows");
        }
        off += got;
    }
    if (write_all(fd, r->pbuf, r->plen) || fdatasync(fd) || renameat(r->dirfd, r->tmp, r->dirfd, r->base)) {
        int e = errno;
        close(fd);
        unlinkat(r->dirfd, r->tmp, 0);
        errno = e;
        return fail(r, "replacing it");
    }
    if (r->fd >= 0) close(r->fd);
    r->fd = fd;
    r->committed += (off_t)r->plen;
    fclose(r->pending);
    free(r->pbuf);
    r->last_commit = cli_now_ms() * 1e-3;
    r->last_cost = r->last_commit - t0;
    return new_pending(r);
}

int resume_start(resume_out *r, const char *header)
{
    if (header) fprintf(r->pending, "%s\n", header);
    if (r->old) walk_rows(r, header_end(r), 1);
    free(r->old);
    r->old = NULL;
    return commit(r, 1);
}

FILE *resume_rows(resume_out *r) { return r->pending; }

int resume_unit_step(resume_out *r, const char *unit)
{
    unit_entry *u = unit_table_find(&r->units, unit);
    if (!u || u->remaining <= 0) return 0;
    if (u->remaining == u->listed) r->units.open++;
    if (--u->remaining == 0) r->units.open--;
    return r->units.open == 0;
}

int resume_row_done(resume_out *r, const char *unit) { return resume_unit_step(r, unit) ? commit(r, 0) : 0; }

int resume_replace(resume_out *r, int force, int (*write)(void *user, FILE *f), void *user)
{
    double t0 = cli_now_ms() * 1e-3;
    if (!force && !due(r, t0)) return 0;
    int fd = openat(r->dirfd, r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        return fail(r, "creating its temporary file");
    }
    int bad = write(user, f) || fflush(f) || ferror(f) || fdatasync(fileno(f));
    int e = errno;
    if (fclose(f)) bad = 1;
    if (bad || renameat(r->dirfd, r->tmp, r->dirfd, r->base)) {
        if (!bad) e = errno;
        unlinkat(r->dirfd, r->tmp, 0);
        errno = e ? e : EIO;
        return fail(r, "replacing it");
    }
    r->last_commit = cli_now_ms() * 1e-3;
    r->last_cost = r->last_commit - t0;
    return 0;
}

int resume_finish(resume_out *r) { return commit(r, 1); }

void resume_close(resume_out *r)
{
    if (r->pending) fclose(r->pending);
    free(r->pbuf);
    if (r->fd >= 0) close(r->fd);
    if (r->dirfd >= 0) {
        unlinkat(r->dirfd, r->tmp, 0); /* only left behind by a failed commit */
        close(r->dirfd);
    }
    unit_table_free(&r->units);
    unit_table_free(&r->paths);
    free(r->old);
    free(r->base);
    free(r->tmp);
    memset(r, 0, sizeof *r);
    r->dirfd = r->fd = -1;
}
