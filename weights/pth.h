/*
 * pth.h — reading PyTorch checkpoints without executing anything: the zip layout (torch.save
 * since 1.6) and the legacy layout (before 1.6; see "Legacy layout" in weights/PTH.md).
 *
 * A checkpoint is a zip archive (stored entries) holding <prefix>/data.pkl, a pickle stream that
 * describes the object, and <prefix>/data/<key>, the raw little-endian storages its tensors view.
 * emoc_pth_read() parses the zip central directory (pth_zip.c), interprets data.pkl with a
 * restricted pickle machine that only builds plain values (pth_pickle.c; the accepted opcodes
 * and globals are listed in weights/PTH.md), then extracts the state_dict: the top-level dict
 * itself, or the dict under "model_state_dict" / "state_dict" (other entries, e.g. optimizer
 * state, are parsed under the same rules and skipped). Each tensor is copied into a contiguous
 * float32 array honouring storage offset and strides.
 *
 * Nothing in the file is trusted: every offset, length, count, nesting level and size is bounded;
 * every failure returns a distinct status with a message naming the entry / pickle offset.
 * Memory used is bounded by a small multiple of the file size.
 */
#ifndef EMOC_WEIGHTS_PTH_H
#define EMOC_WEIGHTS_PTH_H

#include "emoc.h"
#include <stddef.h>
#include <stdint.h>

#define EMOC_PTH_MAX_RANK 8

/* Storage element types a checkpoint may hold (torch.<Type>Storage). */
typedef enum emoc_pth_dtype {
    EMOC_PTH_F32 = 0,
    EMOC_PTH_F16,
    EMOC_PTH_F64,
    EMOC_PTH_BF16,
    EMOC_PTH_I64,   /* BatchNorm's num_batches_tracked */
    EMOC_PTH_I32,
    EMOC_PTH_DTYPE_COUNT
} emoc_pth_dtype;

typedef struct emoc_pth_tensor {
    const char *name;               /* state_dict key */
    emoc_pth_dtype dtype;           /* storage type in the file (data is always float32) */
    int rank;
    int64_t dims[EMOC_PTH_MAX_RANK];
    uint64_t count;                 /* prod(dims) */
    float *data;                    /* contiguous row-major copy */
} emoc_pth_tensor;

typedef struct emoc_pth_checkpoint {
    size_t n_tensors;
    emoc_pth_tensor *tensors;       /* in file order */
    const char *container_key;      /* NULL for a bare state_dict, else the key that held it */
    size_t n_skipped;               /* top-level entries skipped (optimizer state, epoch, ...) */
    size_t n_non_tensor;            /* state_dict entries whose value is not a tensor (skipped) */
    void *_priv;
} emoc_pth_checkpoint;

/* Parses a whole checkpoint held in memory; `buf` need not outlive the result. */
emoc_status emoc_pth_read(const uint8_t *buf, size_t size, emoc_pth_checkpoint *out,
                          emoc_error *err);
void emoc_pth_release(emoc_pth_checkpoint *ck);
const emoc_pth_tensor *emoc_pth_find(const emoc_pth_checkpoint *ck, const char *name);
const char *emoc_pth_dtype_name(emoc_pth_dtype dt);
/* 1 if buf starts like a zip archive (local file header signature). */
int emoc_pth_looks_like_zip(const uint8_t *buf, size_t size);
/* 1 if buf starts with the legacy layout's magic-number pickle. */
int emoc_pth_looks_like_legacy(const uint8_t *buf, size_t size);

/* ------------------------------------------------------------------------------------------- */
/* Internals shared by pth_zip.c, pth_pickle.c and convert_pth_load.c                          */
/* ------------------------------------------------------------------------------------------- */

typedef struct emoc__zip_entry {
    const char *name;               /* points into the archive, NOT NUL-terminated */
    size_t name_len;
    const uint8_t *data;
    uint64_t size;
} emoc__zip_entry;

typedef struct emoc__zip {
    size_t n;
    emoc__zip_entry *entries;
} emoc__zip;

/* Parses the central directory; every entry must be stored (method 0), unencrypted, inside the
 * buffer and match its CRC-32. */
emoc_status emoc__zip_open(const uint8_t *buf, size_t size, emoc__zip *z, emoc_error *err);
void emoc__zip_close(emoc__zip *z);
const emoc__zip_entry *emoc__zip_find(const emoc__zip *z, const char *name, size_t name_len);

/* Values built by the pickle machine. Containers may be shared (memo) and even cyclic, so
 * nothing walks them recursively. */
typedef enum emoc__pv_type {
    EMOC__PV_NONE, EMOC__PV_BOOL, EMOC__PV_INT, EMOC__PV_FLOAT, EMOC__PV_STR,
    EMOC__PV_TUPLE, EMOC__PV_LIST, EMOC__PV_DICT, EMOC__PV_GLOBAL, EMOC__PV_STORAGE,
    EMOC__PV_TENSOR, EMOC__PV_MARK
} emoc__pv_type;

typedef enum emoc__global_kind {
    EMOC__G_ORDERED_DICT, EMOC__G_REBUILD_TENSOR_V2, EMOC__G_REBUILD_PARAMETER, EMOC__G_STORAGE
} emoc__global_kind;

typedef struct emoc__pv emoc__pv;
struct emoc__pv {
    emoc__pv_type type;
    int depth;                      /* nesting level (1 for scalars) */
    union {
        int64_t i;                  /* INT, BOOL */
        double f;                   /* FLOAT */
        struct { const char *s; size_t len; } str;     /* STR (NUL-terminated copy) */
        struct { emoc__pv **items; size_t n, cap; } seq; /* TUPLE, LIST, DICT (k,v pairs) */
        struct { emoc__global_kind kind; emoc_pth_dtype dtype; } global;
        struct { emoc_pth_dtype dtype; const char *key; uint64_t numel; } storage;
        struct {
            const emoc__pv *storage;
            uint64_t offset;
            int rank;
            int64_t sizes[EMOC_PTH_MAX_RANK], strides[EMOC_PTH_MAX_RANK];
            size_t pickle_offset;   /* where it was built, for messages */
        } tensor;
    } u;
};

typedef struct emoc__pickle emoc__pickle;   /* owns every value (one arena) */

emoc_status emoc__pickle_run(const uint8_t *p, size_t n, emoc__pickle **out, const emoc__pv **root,
                             emoc_error *err);
/* Runs one pickle starting at p[start] (messages give offsets into p); *end = the offset after
 * its STOP. legacy: persistent ids are the 6-tuples of torch's legacy layout (view metadata
 * must be None) instead of the zip layout's 5-tuples. */
emoc_status emoc__pickle_run_at(const uint8_t *p, size_t n, size_t start, int legacy,
                                size_t *end, emoc__pickle **out, const emoc__pv **root,
                                emoc_error *err);
/* Every storage value the machine built (one per persistent id, in stream order). */
const emoc__pv *const *emoc__pickle_storages(const emoc__pickle *pk, size_t *n);

/* ---- legacy layout (torch.save before 1.6, or _use_new_zipfile_serialization=False) ------- */

/* One storage of the legacy tail: its bytes follow an 8-byte little-endian element count. */
typedef struct emoc__legacy_storage {
    const char *key;                /* into the pickle arena */
    emoc_pth_dtype dtype;
    uint64_t numel;                 /* = the count in the file = every persistent id's numel */
    const uint8_t *data;            /* numel × element size bytes, inside the file buffer */
} emoc__legacy_storage;

typedef struct emoc__legacy {
    emoc__pickle *pk;               /* the state_dict pickle (owns the values) */
    const emoc__pv *root;
    size_t n;
    emoc__legacy_storage *storages; /* sorted by key */
} emoc__legacy;

/* Parses magic number, protocol version, sys info, the object pickle, the storage-key list and
 * every storage's bytes (weights/PTH.md "Legacy layout"). */
emoc_status emoc__legacy_open(const uint8_t *buf, size_t size, emoc__legacy *lg, emoc_error *err);
void emoc__legacy_close(emoc__legacy *lg);
const emoc__legacy_storage *emoc__legacy_find(const emoc__legacy *lg, const char *key);
void emoc__pickle_free(emoc__pickle *pk);
size_t emoc__dtype_size(emoc_pth_dtype dt);

/* ---- state_dict → EMW (convert_pth.c helpers, used by convert_pth_<arch>.c) ------------- */

struct emw_writer;
struct emoc_convert_opts;

typedef struct emoc__pthc {
    const emoc_pth_checkpoint *ck;
    const char *src_prefix;         /* prepended to keys looked up ("module.", "features.", "") */
    const char *dst_prefix;         /* prepended to EMW names */
    unsigned char *used;            /* per checkpoint tensor */
    const struct emoc_convert_opts *opts;
    struct emw_writer *w;
    emoc_error *err;
    emoc_status st;                 /* first error; later calls are no-ops */
    const char *dead[128];          /* prefixes (relative) of dead parameters found */
    char dead_buf[128][96];
    int n_dead;
} emoc__pthc;

/* Source tensor src_prefix+rel with the given rank/dims (dims[i] < 0: any), marked used. */
const emoc_pth_tensor *emoc__pthc_get(emoc__pthc *c, const char *rel, int rank,
                                      const int64_t *dims);
int emoc__pthc_has(const emoc__pthc *c, const char *rel);
/* Copies tensor `rel` to the EMW as dst_prefix+rel (optionally reshaped to rank/dims). */
void emoc__pthc_copy(emoc__pthc *c, const char *rel);
/* Folds BatchNorm `bn` (eps 1e-5) into conv `conv` (weight [O,...], bias optional) and writes
 * dst_prefix+conv+".weight" and ".bias". */
void emoc__pthc_conv_bn(emoc__pthc *c, const char *conv, const char *bn);
/* Folds bias-free Linear `lin` [O,I] then BatchNorm1d `bn` into one linear lin.weight/.bias. */
void emoc__pthc_linear_bn(emoc__pthc *c, const char *lin, const char *bn);
/* Declares every tensor under rel prefix `p` dead: copied as is (BN counters dropped) and the
 * prefix listed in metadata ignored.prefixes; the net never reads them. */
void emoc__pthc_dead(emoc__pthc *c, const char *p);
/* Writes the metadata shared by the 112×112 affect nets. */
void emoc__pthc_meta(emoc__pthc *c, const char *arch, const char *variant, const char *name,
                     const double mean[3], const double stdv[3], int n_scores, int n_classes);

/* snprintf for tensor names (too-long names are caught by the lookup that follows). */
void emoc__pthc_fmt(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

emoc_status emoc__convert_pth_ddamfn(emoc__pthc *c);
/* 0 PNet, 1 RNet, 2 ONet of facenet-pytorch's MTCNN (by a distinctive tensor), -1 otherwise. */
int emoc_pth_mtcnn_kind(const emoc_pth_checkpoint *ck);
/* RetinaFace-MobileNet0.25 (Pytorch_Retinaface) or, is_1mb, Face-Detector-1MB's same-named net. */
int emoc__pth_is_retinaface(const emoc_pth_checkpoint *ck, const char *src_prefix);
emoc_status emoc__convert_pth_retinaface(emoc__pthc *c, int is_1mb);
emoc_status emoc__convert_pth_mbf(emoc__pthc *c);

#endif /* EMOC_WEIGHTS_PTH_H */
