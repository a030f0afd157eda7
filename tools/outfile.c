/* outfile.c — whole-file outputs through a temporary file and renameat (see outfile.h). */
#include "tools/outfile.h"
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dup_str(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

int cli_outfile_prepare(const char *cmd, const char *path, cli_outfile *o)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->dirfd = o->direct_fd = -1;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            cli_error(cmd, "cannot write '%s': Is a directory", path);
            return -1;
        }
        if (!S_ISREG(sb.st_mode)) { /* /dev/null, a FIFO, a terminal: written in place */
            o->direct_fd = open(path, O_WRONLY | O_CLOEXEC);
            if (o->direct_fd < 0) {
                cli_error(cmd, "cannot write '%s': %s", path, strerror(errno));
                return -1;
            }
            return 0;
        }
    }
    char *resolved = realpath(path, NULL); /* follows a link to the file it names */
    const char *target = resolved ? resolved : path;
    const char *slash = strrchr(target, '/');
    char *dir = slash ? dup_str(target, slash == target ? 1 : (size_t)(slash - target)) : dup_str(".", 1);
    o->base = dup_str(slash ? slash + 1 : target, strlen(slash ? slash + 1 : target));
    int ok = dir && o->base && o->base[0];
    if (ok) o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int saved = errno;
    free(dir);
    free(resolved);
    if (!ok || o->dirfd < 0) {
        cli_error(cmd, "cannot write '%s': %s", path, !ok ? "bad path" : strerror(saved));
        cli_outfile_close(o);
        return -1;
    }
    /* can we create a file there? (access() would ask for the real, not effective, ids) */
    if (faccessat(o->dirfd, ".", W_OK, AT_EACCESS) != 0 ||
        (faccessat(o->dirfd, o->base, F_OK, AT_EACCESS) == 0 && faccessat(o->dirfd, o->base, W_OK, AT_EACCESS) != 0)) {
        cli_error(cmd, "cannot write '%s': %s", path, strerror(errno));
        cli_outfile_close(o);
        return -1;
    }
    return 0;
}

FILE *cli_outfile_begin(const char *cmd, cli_outfile *o)
{
    if (o->direct_fd >= 0) {
        o->f = fdopen(o->direct_fd, "w");
        if (o->f) o->direct_fd = -1;
        else cli_error(cmd, "cannot write '%s': %s", o->path, strerror(errno));
        return o->f;
    }
    size_t n = strlen(o->base) + 32;
    o->tmp = malloc(n);
    if (!o->tmp) {
        cli_error(cmd, "cannot write '%s': out of memory", o->path);
        return NULL;
    }
    int fd = -1;
    for (int k = 0; k < 100 && fd < 0; k++) { /* a leftover of a killed run must not block us */
        snprintf(o->tmp, n, ".%s.emoc-%ld-%d", o->base, (long)getpid(), k);
        fd = openat(o->dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        cli_error(cmd, "cannot write '%s': cannot create a temporary file beside it: %s", o->path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlinkat(o->dirfd, o->tmp, 0);
        }
        free(o->tmp);
        o->tmp = NULL;
    }
    return o->f;
}

int cli_outfile_commit(const char *cmd, cli_outfile *o)
{
    if (!o->f) return -1;
    int bad = fflush(o->f) != 0 || ferror(o->f);
    int saved = errno;
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    o->f = NULL;
    if (!bad && o->tmp && renameat(o->dirfd, o->tmp, o->dirfd, o->base) != 0) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        cli_error(cmd, "error writing '%s': %s%s", o->path, strerror(saved),
                  o->tmp ? " (the previous file, if any, is unchanged)" : "");
        return -1;
    }
    free(o->tmp);
    o->tmp = NULL; /* renamed: nothing left to remove */
    return 0;
}

void cli_outfile_close(cli_outfile *o)
{
    if (o->f) fclose(o->f);
    if (o->tmp) unlinkat(o->dirfd, o->tmp, 0); /* only the file this run created */
    if (o->dirfd >= 0) close(o->dirfd);
    if (o->direct_fd >= 0) close(o->direct_fd);
    free(o->tmp);
    free(o->base);
    memset(o, 0, sizeof *o);
    o->dirfd = o->direct_fd = -1;
}

int cli_outfiles_prepare_and_sandbox(const char *cmd, cli_outfile *o, const char *const *paths, int n)
{
    int dirs[EMOC_SANDBOX_MAX_WRITE_DIRS] = {0}, n_dirs = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        memset(&o[i], 0, sizeof o[i]);
        o[i].dirfd = o[i].direct_fd = -1;
    }
    for (int i = 0; i < n && !rc; i++) {
        if (!paths[i]) continue;
        if (cli_outfile_prepare(cmd, paths[i], &o[i])) rc = EXIT_RUNTIME;
        else if (o[i].dirfd >= 0 && n_dirs < EMOC_SANDBOX_MAX_WRITE_DIRS) dirs[n_dirs++] = o[i].dirfd;
    }
    if (!rc) rc = cli_sandbox_enter(cmd, dirs, n_dirs);
    if (rc)
        for (int i = 0; i < n; i++) cli_outfile_close(&o[i]);
    return rc;
}
