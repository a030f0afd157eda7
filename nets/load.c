/*
 * load.c — model loading: EMW bytes → validated file and metadata (engine/core/model.c) →
 * the architecture tag "emoc.arch" → that net's builder (nets/nets.c registry) → the engine's
 * plan. It lives above the engine so that the engine never calls up into the nets.
 */
#include "engine/core/core.h"
#include "nets/nets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EMOC_MAX_MODEL_FILE ((size_t)1 << 31) /* 2 GiB: far above any model we know */

static emoc_status load_owned(emoc_model *m, const emoc_options *opt, emoc_error *err)
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

emoc_status emoc_model_load_memory(const void *data, size_t size, const emoc_options *opt,
                                   emoc_model **out, emoc_error *err)
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
    m->file_buf = emoc__alloc(&m->alloc, size ? size : 1, 64);
    if (!m->file_buf) {
        emoc_model_free(m);
        return emoc__fail(err, EMOC_E_NOMEM, "out of memory copying %zu bytes of weights", size);
    }
    if (size) memcpy(m->file_buf, data, size);
    m->file_size = size;
    emoc_status st = load_owned(m, opt, err);
    if (st != EMOC_OK) {
        emoc_model_free(m);
        return st;
    }
    *out = m;
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
    FILE *f = fopen(path, "rb");
    if (!f) return emoc__fail(err, EMOC_E_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb; /* a directory "opens" and ftell()s as LONG_MAX: refuse it by name */
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return emoc__fail(err, EMOC_E_IO, "'%s' is not a regular file", path);
    }
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return emoc__fail(err, EMOC_E_IO, "cannot determine the size of '%s'", path);
    }
    if ((unsigned long)len > EMOC_MAX_MODEL_FILE) {
        fclose(f);
        return emoc__fail(err, EMOC_E_LIMIT, "'%s': %ld bytes exceeds the %zu-byte cap", path, len,
                          EMOC_MAX_MODEL_FILE);
    }
    emoc_model *m = emoc__model_new(opt);
    if (!m) {
        fclose(f);
        return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    }
    m->file_buf = emoc__alloc(&m->alloc, (size_t)len ? (size_t)len : 1, 64);
    m->file_size = (size_t)len;
    size_t got = m->file_buf ? fread(m->file_buf, 1, (size_t)len, f) : 0;
    int rd_err = ferror(f);
    fclose(f);
    if (!m->file_buf || got != (size_t)len || rd_err) {
        emoc_status st = m->file_buf ? EMOC_E_IO : EMOC_E_NOMEM;
        emoc_model_free(m);
        return emoc__fail(err, st, "cannot read %ld bytes from '%s'", len, path);
    }
    emoc_status st = load_owned(m, opt, err);
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

