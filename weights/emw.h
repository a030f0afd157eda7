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
#include <stddef.h>
#include <stdint.h>

/* On-disk dtype codes (stable; retired values stay reserved). */
typedef enum emw_dtype {
    EMW_F32 = 0,
    EMW_F16 = 1,
    /* 2: bf16, 3: int8 with per-channel scales — reserved, not yet accepted */
} emw_dtype;

/* On-disk metadata value types (stable). */
typedef enum emw_type {
    EMW_T_I64 = 0,
    EMW_T_F64 = 1,
    EMW_T_STR = 2,
    EMW_T_I64_ARRAY = 3,
    EMW_T_F64_ARRAY = 4,
    EMW_T_STR_ARRAY = 5,
} emw_type;

#define EMW_MAX_RANK 8
#define EMW_ALIGN 64

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

/* Serialises into a malloc'ed buffer (caller frees with free()). */
emoc_status emw_writer_to_memory(emw_writer *w, uint8_t **out, size_t *out_size);
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
} emw_tensor;

typedef struct emw_file {
    uint32_t version_major, version_minor;
    size_t n_meta;
    emw_meta *meta;
    size_t n_tensors;
    emw_tensor *tensors;
    uint32_t header_crc32;
    void *_storage;           /* private: one allocation holding the tables and strings */
} emw_file;

/* Parses and validates `buf` (which must stay alive while `f` is used). On failure `err` gets a
 * sentence naming the field, its byte offset and the values at fault. verify_data_crc = 0 skips
 * the per-tensor CRC (the NaN/Inf scan always runs). */
emoc_status emw_parse(const uint8_t *buf, size_t size, int verify_data_crc, emw_file *f,
                      emoc_error *err);
void emw_file_release(emw_file *f);

const emw_meta *emw_find_meta(const emw_file *f, const char *key);
const emw_tensor *emw_find_tensor(const emw_file *f, const char *name);
/* Copies a tensor into float32 (converting f16). dst holds t->count floats. */
void emw_tensor_to_f32(const emw_tensor *t, float *dst);

uint32_t emoc_crc32(uint32_t crc, const void *data, size_t n);

#endif /* EMOC_WEIGHTS_EMW_H */
