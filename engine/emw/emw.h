/*
 * emw.h — internal API of the EMW weight format (spec: weights/FORMAT.md).
 *
 * Writer: used by the converters (ONNX, PyTorch checkpoints) and by tests. It collects metadata
 * and tensors in memory (tensor data is given as float32 and stored as the requested dtype) and
 * serialises them in one go.
 * Reader: parses and validates a whole file held in memory; nothing in it is trusted. The reader
 * never allocates more than a bound derived from the file size.
 */
#ifndef EMOC_WEIGHTS_EMW_H
#define EMOC_WEIGHTS_EMW_H

#include "emoc.h"
#include "engine/base/crc32.h"
#include <stddef.h>
#include <stdint.h>

/* On-disk dtype codes (stable; retired values stay reserved). */
typedef enum emw_dtype {
    EMW_F32 = 0,
    EMW_F16 = 1,
    EMW_BF16 = 2,             /* format 1.2: bfloat16, row-major (FORMAT.md §4.2) */
    EMW_I8 = 3,               /* format 1.2: symmetric int8 GEMM weight [N][K](1,1) with one
                                 scale per output channel and the calibrated scale of its
                                 input activations in the record's extra bytes (§4.2) */
} emw_dtype;
/* An int8 record's extra bytes: u8 axis (0), u8 scale dtype (0 = f32), u16 reserved (0),
 * f32 activation scale, then N f32 weight scales. */
#define EMW_I8_EXTRA_FIXED 8

/* Tensor data layouts (FORMAT.md §4.1), the first byte of a 1.1 record's 4 extra bytes. */
typedef enum emw_layout {
    EMW_LAYOUT_ROWS = 0,      /* row-major in PyTorch dim order (no extra bytes) */
    EMW_LAYOUT_GEMM_P32 = 1,  /* [N][K] or [N][K][1][1] as panels of 32 output channels,
                                 engine/base/gemm_panels.h */
    EMW_LAYOUT_DW_HWC = 2,    /* depthwise [C][1][kh][kw] stored [kh][kw][C] (channel fastest),
                                 as the depthwise kernels read it (engine/kernels/kernels.h) */
} emw_layout;
#define EMW_LAYOUT_EXTRA_BYTES 4

/* On-disk metadata value types (stable). */
typedef enum emw_type {
    EMW_T_I64 = 0,
    EMW_T_F64 = 1,
    EMW_T_STR = 2,
    EMW_T_I64_ARRAY = 3,
    EMW_T_F64_ARRAY = 4,
    EMW_T_STR_ARRAY = 5,
} emw_type;

/* Layout constants (weights/FORMAT.md §2). */
#define EMW_MAGIC "EMW\x1a"          /* bytes 45 4d 57 1a */
#define EMW_VERSION_MAJOR 1          /* a reader rejects any other major version */
#define EMW_VERSION_MINOR 3          /* minor versions only add things old readers reject */
/* 1.1 added tensor layouts (weights/FORMAT.md §4.1): GEMM weights stored as the kernels read
 * them. 1.2 added the reduced-precision dtypes bf16 and int8 (§4.2); 1.3 the int8 activation
 * scale 0, "one scale per pixel row at run time" (§4.2, row-max). The writer writes the
 * lowest minor version the file's contents need. */
#define EMW_BYTE_ORDER_MARK 0x0a0b0c0du /* stored little-endian: 0d 0c 0b 0a */
#define EMW_PREAMBLE_BYTES 48        /* fixed part of the header */
#define EMW_ALIGN 64                 /* tensor data alignment (the only value v1 accepts) */

/* Caps (weights/FORMAT.md §7). Every count and length read from a file is checked against
 * these before it is used; the writer refuses to produce files that break them. */
#define EMW_MAX_RANK 8
#define EMW_MAX_FILE_BYTES ((uint64_t)1 << 30)   /* 1 GiB (EfficientNet-B2 f32 is ~36 MB) */
#define EMW_MAX_HEADER_BYTES ((uint64_t)16 << 20) /* 16 MiB */
#define EMW_MAX_TENSORS 4096
#define EMW_MAX_META 256
#define EMW_MAX_KEY_LEN 128           /* bytes of a metadata key */
#define EMW_MAX_NAME_LEN 256          /* bytes of a tensor name */
#define EMW_MAX_STR_LEN 4096          /* bytes of a metadata string (scalar or array element) */
#define EMW_MAX_ARRAY_LEN 4096        /* elements of a metadata array */
#define EMW_MAX_DIM ((int64_t)1 << 24) /* any single dimension */
#define EMW_MIN_META_BYTES 8          /* smallest metadata entry on disk */
#define EMW_MIN_TENSOR_BYTES 35       /* smallest tensor record on disk (rank 1, 1-byte name) */

/* ------------------------------------------------------------------------------------------- */
/* Writer                                                                                       */
/* ------------------------------------------------------------------------------------------- */

typedef struct emw_writer emw_writer;

emoc_status emw_writer_create(emw_writer **out);
void emw_writer_free(emw_writer *w);
/* Message of the last failure (names the key or tensor at fault). */
const char *emw_writer_error(const emw_writer *w);

emoc_status emw_writer_meta_str(emw_writer *w, const char *key, const char *value);
emoc_status emw_writer_meta_i64(emw_writer *w, const char *key, int64_t value);
emoc_status emw_writer_meta_f64(emw_writer *w, const char *key, double value);
emoc_status emw_writer_meta_i64_array(emw_writer *w, const char *key, const int64_t *v, size_t n);
emoc_status emw_writer_meta_f64_array(emw_writer *w, const char *key, const double *v, size_t n);
emoc_status emw_writer_meta_str_array(emw_writer *w, const char *key, const char *const *v,
                                      size_t n);

/* Adds a tensor; `data` holds prod(dims) float32 values (copied). Names must be unique. */
emoc_status emw_writer_add_tensor(emw_writer *w, const char *name, emw_dtype dtype, int rank,
                                  const int64_t *dims, const float *data);

/* Replaces the data of tensor `name` (already added, f32, rows) by its bf16 bits (count of
 * them, finite), or by int8 values q (−127..127) of a GEMM weight [N][K](1,1) with N weight
 * scales and the activation scale of its input (finite, > 0; or +0: one scale per pixel row
 * taken at run time, "row-max"). The rounding rules are the caller's (weights/convert_lp.c).
 * The file becomes version 1.2 (1.3 with an activation scale 0). */
emoc_status emw_writer_set_bf16(emw_writer *w, const char *name, const uint16_t *bits);
emoc_status emw_writer_set_i8(emw_writer *w, const char *name, const int8_t *q,
                              const float *scales, float act_scale);
/* Re-lays tensor `name` (already added) out in `layout`; the file becomes version 1.1. */
emoc_status emw_writer_set_layout(emw_writer *w, const char *name, emw_layout layout);
/* Serialises into a malloc'ed buffer (caller frees with free()). */
emoc_status emw_writer_to_memory(emw_writer *w, uint8_t **out, size_t *out_size);
/* Writes the file through a temporary file beside it, renamed over it when complete: on failure
 * the previous file (if any) is unchanged and only the temporary file is removed. An existing
 * device or FIFO is written in place; a symbolic link is followed. Messages give the reason. */
emoc_status emw_writer_save(emw_writer *w, const char *path);

/* ------------------------------------------------------------------------------------------- */
/* Reader                                                                                       */
/* ------------------------------------------------------------------------------------------- */

typedef struct emw_meta {
    const char *key;          /* NUL-terminated copy */
    emw_type type;
    size_t count;             /* 1 for scalars, element count for arrays */
    int64_t i64;              /* EMW_T_I64 */
    double f64;               /* EMW_T_F64 */
    const char *str;          /* EMW_T_STR (NUL-terminated copy) */
    const int64_t *i64s;      /* EMW_T_I64_ARRAY */
    const double *f64s;       /* EMW_T_F64_ARRAY */
    const char *const *strs;  /* EMW_T_STR_ARRAY */
} emw_meta;

typedef struct emw_tensor {
    const char *name;
    emw_dtype dtype;
    int rank;
    int64_t dims[EMW_MAX_RANK];
    uint64_t offset;          /* from the start of the data section */
    uint64_t nbytes;
    uint32_t crc32;
    const void *data;         /* points into the file buffer */
    uint64_t count;           /* prod(dims) */
    emw_layout layout;        /* how the nbytes of data are ordered (FORMAT.md §4.1) */
    uint64_t stored;          /* elements stored: count, plus zero padding of a panel layout */
    float act_scale;          /* int8: calibrated scale of the input activations; 0: one per
                                 pixel row at run time (row-max, format 1.3); else 0 */
    const uint8_t *scales;    /* int8: dims[0] little-endian f32 weight scales, in the header */
} emw_tensor;

typedef struct emw_file {
    uint32_t version_major, version_minor;
    size_t n_meta;
    emw_meta *meta;
    size_t n_tensors;
    emw_tensor *tensors;
    uint32_t header_crc32;
    uint64_t header_bytes;    /* header incl. its CRC */
    uint64_t data_offset;     /* start of the data section in the file (multiple of 64) */
    uint64_t data_bytes;      /* size of the data section (file size = offset + bytes) */
    int data_crc_verified;    /* 1 if every tensor CRC was checked */
    size_t storage_bytes;     /* size of the one allocation below (bounded by the file size) */
    void *_storage;           /* private: one allocation holding the tables and strings */
    emoc_allocator _alloc;    /* private: allocator of _storage (alloc == NULL: malloc/free) */
} emw_file;

/* Parses and validates `buf` (which must stay alive while `f` is used). On failure `err` gets a
 * sentence naming the field, its byte offset and the values at fault. verify_data_crc = 0 skips
 * the per-tensor CRC (the NaN/Inf scan always runs). */
emoc_status emw_parse(const uint8_t *buf, size_t size, int verify_data_crc, emw_file *f,
                      emoc_error *err);
/* Same, with the tables allocated through `alloc` (NULL: malloc/free); emw_file_release()
 * frees them through the same allocator. */
emoc_status emw_parse_alloc(const uint8_t *buf, size_t size, int verify_data_crc,
                            const emoc_allocator *alloc, emw_file *f, emoc_error *err);
void emw_file_release(emw_file *f);

const emw_meta *emw_find_meta(const emw_file *f, const char *key);
const emw_tensor *emw_find_tensor(const emw_file *f, const char *name);
/* Copies a tensor into float32 (converting f16). dst holds t->count floats. */
void emw_tensor_to_f32(const emw_tensor *t, float *dst);
/* The stored elements as float32 in stored order (t->stored of them): for a panel layout, the
 * packed form the kernels read. */
void emw_tensor_stored_to_f32(const emw_tensor *t, float *dst);
/* Weight scale n of an int8 tensor (n < dims[0]). */
float emw_tensor_i8_scale(const emw_tensor *t, int64_t n);
/* Elements a tensor of this layout, dtype-independent, stores for dims (0 if the layout does not
 * fit the dims: FORMAT.md §4.1). */
uint64_t emw_layout_stored(emw_layout layout, int rank, const int64_t *dims);
const char *emw_layout_name(int layout);


/* ------------------------------------------------------------------------------------------- */
/* Helpers shared with the model loader, the converters and `emoc info`                       */
/* ------------------------------------------------------------------------------------------- */

/* "f32", "f16", "bf16", "int8" (reserved codes) or "?" */
const char *emw_dtype_name(int dtype);
/* Bytes per element of an accepted dtype, 0 for any other code. */
size_t emw_dtype_size(int dtype);
/* "i64", "f64", "str", "i64[]", "f64[]", "str[]" or "?" */
const char *emw_type_name(int type);

/* IEEE binary16 conversions: f32 -> f16 rounds to nearest even (overflow gives Inf); f16 -> f32
 * is exact. */
uint16_t emw_f32_to_f16(float value);
float emw_f16_to_f32(uint16_t h);

/* Reads a whole regular file into a 64-byte-aligned malloc'ed buffer (release with free()).
 * Files larger than EMW_MAX_FILE_BYTES give EMOC_E_LIMIT without reading. */
emoc_status emw_read_file(const char *path, uint8_t **buf, size_t *size, emoc_error *err);

/* Checks the metadata every network file must carry (weights/FORMAT.md §5): presence, types,
 * counts and value ranges (e.g. input.mean is f64[3], output.labels has output.n_classes
 * strings, source.sha256 is 64 hex digits). The per-architecture tensor check is the plan
 * builder's (engine/core). */
emoc_status emw_check_net_meta(const emw_file *f, emoc_error *err);

#endif /* EMOC_WEIGHTS_EMW_H */
