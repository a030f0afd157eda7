/*
 * emw_fixture.h — a small but complete EMW network file for the loader, CLI and fuzz-seed tests,
 * plus helpers to find fields in it and to refresh CRCs after a deliberate corruption.
 */
#ifndef EMOC_TESTS_EMW_FIXTURE_H
#define EMOC_TESTS_EMW_FIXTURE_H

#include "engine/emw/emw.h"

#include <stddef.h>
#include <stdint.h>

/* Tensors of the fixture, in table order. */
#define FX_N_TENSORS 4
extern const char *const fx_tensor_names[FX_N_TENSORS];

/* Deterministic value i of tensor t (finite, in f16 range). */
float fx_value(int t, size_t i);

/* Builds the fixture (all metadata keys of FORMAT.md §5 plus one i64 array). */
emoc_status fx_build(uint8_t **buf, size_t *size);
/* Same, written to `path`. */
emoc_status fx_save(const char *path);

/* Offset of the first occurrence of `needle` (bytes) in buf[0, limit), or SIZE_MAX. */
size_t fx_find(const uint8_t *buf, size_t limit, const void *needle, size_t n);
/* Offset of tensor `name`'s record fields (the dtype byte right after the name). */
size_t fx_tensor_fields(const uint8_t *buf, size_t size, const char *name);
/* Little-endian stores. */
void fx_put16(uint8_t *p, uint16_t v);
void fx_put32(uint8_t *p, uint32_t v);
void fx_put64(uint8_t *p, uint64_t v);
uint64_t fx_get64(const uint8_t *p);
/* Recomputes the header CRC (after edits inside the header). */
void fx_fix_header_crc(uint8_t *buf);
/* Recomputes tensor `name`'s CRC from its data and then the header CRC. */
void fx_fix_tensor_crc(uint8_t *buf, size_t size, const char *name);

#endif
