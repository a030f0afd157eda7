/*
 * convert_onnx.c — ONNX → EMW: parse, check node order, try each architecture matcher, add the
 * source provenance keys. To support a new architecture, write weights/convert_onnx_<arch>.c
 * and add one line to `matchers` below.
 */
#include "weights/convert.h"
#include "weights/sha256.h"

#include <stdio.h>
#include <string.h>

static const emoc_onnx_matcher matchers[] = {
    {"efficientnet", emoc__onnx_match_efficientnet},
    {"mobilefacenet", emoc__onnx_match_mobilefacenet},
    {"mobilevit", emoc__onnx_match_mobilevit},
};
#define N_MATCHERS (sizeof matchers / sizeof matchers[0])

static const char *basename_of(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

const char *emoc__convert_known_name(const char *source_name, const char *const *known,
                                     char *buf, size_t buflen)
{
    if (!source_name) return NULL;
    const char *b = basename_of(source_name);
    size_t n = strlen(b);
    const char *dot = strrchr(b, '.');
    if (dot && dot != b) n = (size_t)(dot - b);
    if (n + 1 > buflen) return NULL;
    memcpy(buf, b, n);
    buf[n] = 0;
    for (size_t i = 0; known[i]; i++)
        if (!strcmp(buf, known[i])) return known[i];
    return NULL;
}

emoc_status emoc__convert_add_tensor(emw_writer *w, const emoc_convert_opts *opts, const char *name,
                                     int rank, const int64_t *dims, const float *data,
                                     emoc_error *err)
{
    emw_dtype dt = rank >= 2 && opts && opts->dtype == EMW_F16 ? EMW_F16 : EMW_F32;
    emoc_status st = emw_writer_add_tensor(w, name, dt, rank, dims, data);
    if (st != EMOC_OK && err)
        snprintf(err->msg, sizeof err->msg, "convert: writing tensor '%s' failed: %s", name,
                 emw_writer_error(w));
    return st;
}

static emoc_status add_provenance(emw_writer *w, const uint8_t *buf, size_t size,
                                  const emoc_convert_opts *opts, emoc_error *err)
{
    char hex[65];
    emoc_sha256_hex(buf, size, hex);
    const char *file = opts && opts->source_name ? basename_of(opts->source_name) : "";
    emoc_status st = emw_writer_meta_str(w, "source.file", file);
    if (st == EMOC_OK) st = emw_writer_meta_str(w, "source.sha256", hex);
    if (st == EMOC_OK) st = emw_writer_meta_str(w, "converter.version", EMOC_CONVERTER_VERSION);
    if (st != EMOC_OK && err)
        snprintf(err->msg, sizeof err->msg, "convert: %s", emw_writer_error(w));
    return st;
}

emoc_status emoc_convert_onnx(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                              emw_writer *w, emoc_error *err)
{
    if (!buf || !w) return EMOC_E_ARG;
    emoc_onnx_model m;
    emoc_status st = emoc_onnx_parse(buf, size, &m, err);
    if (st != EMOC_OK) return st;
    st = emoc_onnx_check_order(&m.graph, err);
    if (st != EMOC_OK) {
        emoc_onnx_free(&m);
        return st;
    }
    /* Every matcher's verdict, so the error can say which were tried and where each stopped;
     * the one that got furthest comes first with its full message. */
    emoc_error tried[N_MATCHERS];
    emoc_status tried_st[N_MATCHERS];
    int progress[N_MATCHERS], best = 0;
    for (size_t i = 0; i < N_MATCHERS; i++) {
        progress[i] = 0;
        tried[i].msg[0] = 0;
        tried_st[i] = matchers[i].match(&m.graph, opts, w, &progress[i], &tried[i]);
        if (tried_st[i] == EMOC_OK) {
            emoc_onnx_free(&m);
            return add_provenance(w, buf, size, opts, err);
        }
        if (progress[i] > progress[best]) best = (int)i;
    }
    emoc_onnx_free(&m);
    if (err) {
        size_t n = (size_t)snprintf(err->msg, sizeof err->msg, "%s", tried[best].msg);
        for (size_t i = 0; i < N_MATCHERS && n < sizeof err->msg; i++) {
            if ((int)i == best) continue;
            /* the other matchers' messages, shortened to fit: "arch: node ..." */
            n += (size_t)snprintf(err->msg + n, sizeof err->msg - n, " | tried %s too: %.*s",
                                  matchers[i].arch, 150, tried[i].msg);
        }
    }
    return tried_st[best];
}
