/*
 * crc32.h — the one CRC-32 of the project (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320,
 * init and final XOR 0xFFFFFFFF): EMW headers and tensors, PNG chunks, ZIP entries. Constant
 * tables, no mutable state. Internal.
 */
#ifndef EMOC_BASE_CRC32_H
#define EMOC_BASE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a running CRC: pass 0 to start, then the previous result to extend it.
 * emoc__crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t emoc__crc32(uint32_t crc, const void *data, size_t n);

#endif
