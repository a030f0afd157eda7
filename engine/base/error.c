/* error.c — formatting error messages into fixed buffers (see error.h). */
#include "engine/base/error.h"

#include <stdio.h>

void emoc__vset_err(char *buf, size_t len, const char *fmt, va_list ap)
{
    if (!buf || !len) return;
    vsnprintf(buf, len, fmt, ap);
}

void emoc__set_err(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err(buf, len, fmt, ap);
    va_end(ap);
}

emoc_status emoc__vfail(emoc_error *err, emoc_status st, const char *fmt, va_list ap)
{
    if (err) emoc__vset_err(err->msg, sizeof err->msg, fmt, ap);
    return st;
}

emoc_status emoc__fail(emoc_error *err, emoc_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vfail(err, st, fmt, ap);
    va_end(ap);
    return st;
}

void emoc__vset_err_prefixed(emoc_error *err, const char *prefix, const char *fmt, va_list ap)
{
    if (!err) return;
    int n = snprintf(err->msg, sizeof err->msg, "%s", prefix);
    /* A prefix that fills the buffer is dropped rather than leaving no room for the message. */
    if (n < 0 || (size_t)n >= sizeof err->msg) n = 0;
    vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
}

char *emoc__dims_str(char *out, size_t cap, int rank, const int64_t *dims)
{
    size_t n = 0;
    if (!cap) return out;
    out[0] = '\0';
    for (int d = 0; d < rank && n < cap; d++) {
        int k = dims[d] < 0 ? snprintf(out + n, cap - n, d ? "x?" : "?")
                            : snprintf(out + n, cap - n, d ? "x%lld" : "%lld", (long long)dims[d]);
        if (k < 0) break;
        n += (size_t)k;
    }
    return out;
}
