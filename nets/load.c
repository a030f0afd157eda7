/*
 * load.c — model loading: EMW bytes → validated file and metadata (engine/core/model.c) →
 * the architecture tag "emoc.arch" → that net's builder (nets/nets.c registry) → the engine's
 * plan. It lives above the engine so that the engine never calls up into the nets.
 */
#include "engine/core/core.h"
#include "nets/nets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMOC_MAX_MODEL_FILE ((size_t)1 << 31) /* 2 GiB: far above any model we know */

static emoc_status load_steps(emoc_model *m, const emoc_options *opt, emoc_error *err)
{
    emoc_status st = emoc__model_parse(m, opt, err);
    if (st != EMOC_OK) return st;
    const emoc__net *net = emoc__net_find(m->info.arch);
    if (!net) {
        char known[256];
        emoc__net_names(known, sizeof known);
        emoc__set_err(m->err, sizeof(m->err),
                      "metadata emoc.arch = '%s': no network of that architecture in this build "
                      "(known: %s)",
                      m->info.arch, known);
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "%s", m->err);
    }
    if ((st = emoc__build_plan(m, net->build)) != EMOC_OK) return emoc__fail(err, st, "%s", m->err);
    return emoc__model_finish(m, err);
}

/* The load steps with the file buffer's spare bytes open to the model's allocations
 * (engine/core/model.c), closed again whatever the outcome. */
static emoc_status load_owned(emoc_model *m, const emoc_options *opt, emoc_error *err)
{
    emoc_status st = load_steps(m, opt, err);
    emoc__model_spare_close(m);
    return st;
}

/* The file buffer, with the spare bytes the allocator gives at no cost (emoc__alloc_usable). */
static emoc_status alloc_file_buf(emoc_model *m, size_t size)
{
    size_t cap = emoc__alloc_usable(&m->alloc, size ? size : 1);
    m->file_buf = emoc__alloc(&m->alloc, cap, 64);
    if (!m->file_buf) return EMOC_E_NOMEM;
    m->owns_file_buf = 1;
    m->file_size = size;
    emoc__model_spare_open(m, cap);
    return EMOC_OK;
}

static emoc_status load_buffer(emoc_model *m, const emoc_options *opt, emoc_model **out,
                               emoc_error *err)
{
    emoc_status st = load_owned(m, opt, err);
    if (st != EMOC_OK) {
        emoc_model_free(m);
        return st;
    }
    *out = m;
    return EMOC_OK;
}

static emoc_status load_memory(const void *data, size_t size, const emoc_options *opt,
                               int inplace, emoc_model **out, emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "emoc_model_load_memory: out is NULL");
    *out = NULL;
    if (!data && size) return emoc__fail(err, EMOC_E_ARG, "emoc_model_load_memory: data is NULL");
    if (size > EMOC_MAX_MODEL_FILE)
        return emoc__fail(err, EMOC_E_LIMIT, "model of %zu bytes exceeds the %zu-byte cap", size,
                          EMOC_MAX_MODEL_FILE);
    emoc_options defaults;
    emoc_options_default(&defaults);
    if (!opt) opt = &defaults;
    emoc_model *m = emoc__model_new(opt);
    if (!m) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    if (inplace) {
        m->file_buf = (uint8_t *)data; /* only read: the tensors and the digest point into it */
    } else {
        if (alloc_file_buf(m, size) != EMOC_OK) {
            emoc_model_free(m);
            return emoc__fail(err, EMOC_E_NOMEM, "out of memory copying %zu bytes of weights",
                              size);
        }
        if (size) memcpy(m->file_buf, data, size);
    }
    m->file_size = size;
    return load_buffer(m, opt, out, err);
}

emoc_status emoc_model_load_memory(const void *data, size_t size, const emoc_options *opt,
                                   emoc_model **out, emoc_error *err)
{
    return load_memory(data, size, opt, 0, out, err);
}

emoc_status emoc_model_load_memory_inplace(const void *data, size_t size, const emoc_options *opt,
                                           emoc_model **out, emoc_error *err)
{
    return load_memory(data, size, opt, 1, out, err);
}

/* Reads the whole file with read(2) straight into the buffer the kernels use (one copy, from
 * the page cache). Reading rather than mapping: a mapped file that is truncated during a run
 * would fault (SIGBUS); read bytes are ours whatever happens to the file. One byte more than
 * fstat reported is asked for, so a file that grew meanwhile is refused, not cut. */
static emoc_status read_all(int fd, uint8_t *buf, size_t len, const char *path, emoc_error *err)
{
    size_t got = 0;
    uint8_t extra;
    while (got <= len) {
        uint8_t *dst = got < len ? buf + got : &extra;
        size_t want = got < len ? len - got : 1;
        if (want > ((size_t)1 << 30)) want = (size_t)1 << 30;
        ssize_t r = read(fd, dst, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            return emoc__fail(err, EMOC_E_IO, "cannot read '%s': %s", path, strerror(errno));
        if (r == 0) break;
        got += (size_t)r;
    }
    if (got != len)
        return emoc__fail(err, EMOC_E_IO, "cannot read %zu bytes from '%s': %s %zu", len, path,
                          got < len ? "the file ended after" : "the file grew while reading, to",
                          got);
    return EMOC_OK;
}

emoc_status emoc_model_load_file(const char *path, const emoc_options *opt, emoc_model **out,
                                 emoc_error *err)
{
    if (!out || !path) return emoc__fail(err, EMOC_E_ARG, "emoc_model_load_file: NULL argument");
    *out = NULL;
    emoc_options defaults;
    emoc_options_default(&defaults);
    if (!opt) opt = &defaults;
    /* O_NONBLOCK: a FIFO given as the model is refused below instead of blocking the open until
     * a writer appears (it changes nothing for the regular file read next) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return emoc__fail(err, EMOC_E_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb; /* a directory or a device has no meaningful size: refuse it by name */
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return emoc__fail(err, EMOC_E_IO, "'%s' is not a regular file", path);
    }
    if (sb.st_size < 0 || (unsigned long long)sb.st_size > EMOC_MAX_MODEL_FILE) {
        close(fd);
        return emoc__fail(err, EMOC_E_LIMIT, "'%s': %lld bytes exceeds the %zu-byte cap", path,
                          (long long)sb.st_size, EMOC_MAX_MODEL_FILE);
    }
    size_t len = (size_t)sb.st_size;
    emoc_model *m = emoc__model_new(opt);
    if (!m) {
        close(fd);
        return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    }
    emoc_status st = alloc_file_buf(m, len) == EMOC_OK ? read_all(fd, m->file_buf, len, path, err)
                                 : emoc__fail(err, EMOC_E_NOMEM,
                                              "out of memory reading %zu bytes from '%s'", len,
                                              path);
    close(fd);
    if (st != EMOC_OK) {
        emoc_model_free(m);
        return st;
    }
    st = load_owned(m, opt, err);
    if (st != EMOC_OK) {
        if (err) {
            char tmp[sizeof(err->msg)];
            snprintf(tmp, sizeof(tmp), "%.200s: %.300s", path, err->msg);
            memcpy(err->msg, tmp, sizeof(tmp));
        }
        emoc_model_free(m);
        return st;
    }
    *out = m;
    return EMOC_OK;
}

