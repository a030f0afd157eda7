/*
 * emw_read_internal.h — state shared by the two halves of the EMW reader: emw_read.c (header,
 * metadata, tensor table) and emw_check_data.c (data-section layout, CRCs, NaN/Inf scan).
 */
#ifndef EMOC_WEIGHTS_EMW_READ_INTERNAL_H
#define EMOC_WEIGHTS_EMW_READ_INTERNAL_H

#include "engine/emw/emw.h"

typedef struct emw__rd {
    const uint8_t *buf;  /* whole file */
    size_t size;
    uint64_t pos;        /* header cursor; invariant pos <= end */
    uint64_t end;        /* end of the header records = header_bytes - 4 (the header CRC) */
    emoc_error *err;
    unsigned minor;      /* version_minor of the file: 1.1 records may carry a layout */
    uint8_t *store;      /* the single allocation (bump-allocated) */
    size_t store_used, store_cap;
} emw__rd;

/* Writes the message (if err is set) and returns st. */
emoc_status emw__fail(emw__rd *r, emoc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tensors lie in table order, 64-byte aligned, without overlap, gaps or trailing bytes; all
 * padding (after the header and between tensors) is zero. */
emoc_status emw__check_layout(emw__rd *r, emw_file *f);
/* Sets every tensor's data pointer; verifies tensor CRCs (if asked) and scans for NaN/Inf. */
emoc_status emw__check_data(emw__rd *r, emw_file *f, int verify_crc);

#endif
