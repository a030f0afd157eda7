/*
 * error.h — the one place that formats an error message into a fixed buffer or an emoc_error.
 * Every loader, decoder and converter reports through these so truncation and NULL handling are
 * the same everywhere. Internal; nothing here is public.
 */
#ifndef EMOC_CORE_ERROR_H
#define EMOC_CORE_ERROR_H

#include "emoc.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Formats into a fixed buffer (never fails, truncates; NULL or empty buffer is a no-op). */
void emoc__set_err(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void emoc__vset_err(char *buf, size_t len, const char *fmt, va_list ap);

/* printf into err->msg (NULL err is fine); returns st so callers can `return emoc__fail(...)`. */
emoc_status emoc__fail(emoc_error *err, emoc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
emoc_status emoc__vfail(emoc_error *err, emoc_status st, const char *fmt, va_list ap);

/* err->msg = prefix followed by the formatted message ("onnx: ", "jpeg: offset 12: ");
 * NULL err is fine. */
void emoc__vset_err_prefixed(emoc_error *err, const char *prefix, const char *fmt, va_list ap);

/* The one dims formatter of messages and reports: "40x1x5x5" (a negative dim, a wildcard in an
 * expected shape, prints "?"; rank 0 prints ""). Truncates to cap; returns out. */
char *emoc__dims_str(char *out, size_t cap, int rank, const int64_t *dims);

#endif
