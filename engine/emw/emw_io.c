/*
 * emw_io.c — reads a whole weight file into a 64-byte-aligned buffer for emw_parse(), refusing
 * files above EMW_MAX_FILE_BYTES before reading them. Shared by the model loader and tools.
 */
#include "engine/emw/emw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static emoc_status emw__io_fail(emoc_error *err, emoc_status st, const char *path, const char *what)
{
    if (err) snprintf(err->msg, sizeof err->msg, "'%s': %s", path, what);
    return st;
}

emoc_status emw_read_file(const char *path, uint8_t **buf, size_t *size, emoc_error *err)
{
    char why[300];
    if (err) err->msg[0] = '\0';
    if (!path || !buf || !size) {
        if (err) snprintf(err->msg, sizeof err->msg, "emw_read_file: NULL argument");
        return EMOC_E_ARG;
    }
    *buf = NULL;
    *size = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
        return emw__io_fail(err, EMOC_E_IO, path, why);
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return emw__io_fail(err, EMOC_E_IO, path, "not a regular file");
    }
    if (sb.st_size < 0 || (uint64_t)sb.st_size > EMW_MAX_FILE_BYTES) {
        fclose(fp);
        snprintf(why, sizeof why, "file has %lld bytes, cap is %llu", (long long)sb.st_size,
                 (unsigned long long)EMW_MAX_FILE_BYTES);
        return emw__io_fail(err, EMOC_E_LIMIT, path, why);
    }
    size_t n = (size_t)sb.st_size;
    void *mem = NULL;
    /* One spare byte detects a file that grew since fstat; it also avoids malloc(0). */
    if (posix_memalign(&mem, EMW_ALIGN, n + 1) != 0) {
        fclose(fp);
        snprintf(why, sizeof why, "cannot allocate %zu bytes", n + 1);
        return emw__io_fail(err, EMOC_E_NOMEM, path, why);
    }
    size_t got = fread(mem, 1, n + 1, fp);
    int rd_err = ferror(fp);
    fclose(fp);
    if (rd_err || got != n) {
        free(mem);
        snprintf(why, sizeof why, "read %zu bytes, expected %zu%s", got, n,
                 rd_err ? " (read error)" : " (file changed while reading)");
        return emw__io_fail(err, EMOC_E_IO, path, why);
    }
    *buf = mem;
    *size = n;
    return EMOC_OK;
}
