/*
 * emoc.h — the public inference header of emoc, an on-device inference engine for the HSEmotion family
 * of facial-affect networks (EfficientNet-B0/B2, MobileFaceNet, DDAMFN), plain C11, libc + libm.
 *
 * Overview
 *   emoc_model    weights + validated metadata + execution plan; immutable after load, shareable
 *                 between threads.
 *   emoc_session  activation arena, thread pool and per-run state; one per thread of the caller.
 *   post-processing (heads, blending, smoothing, thresholds, metrics) are pure functions over
 *                 caller-owned arrays, declared in the second public header, emoc_abaw.h.
 *
 * Conventions
 *   - Every function that can fail returns emoc_status (EMOC_OK == 0). Library code never exits,
 *     aborts or prints. emoc_strerror() names a status; handles keep the last message, which names
 *     the field and values at fault (emoc_model_last_error / emoc_session_last_error). Functions
 *     that create a handle take an optional emoc_error* because no handle exists yet on failure.
 *   - Outputs come back through trailing pointer arguments.
 *   - Memory: every allocation goes through emoc_options.allocator (default: malloc/free).
 *     emoc_session_run() allocates nothing.
 *   - Thread safety: a model may be used by many sessions at once; a session by one thread at a
 *     time.
 */
#ifndef EMOC_H
#define EMOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions libemoc exports: the library is built with -fvisibility=hidden, so
 * libemoc.so exports exactly what include/emoc.h and include/emoc_abaw.h declare with it. */
#if defined(__GNUC__)
#define EMOC_API __attribute__((visibility("default")))
#else
#define EMOC_API
#endif

#define EMOC_VERSION_MAJOR 0
#define EMOC_VERSION_MINOR 1
#define EMOC_VERSION_PATCH 0
#define EMOC_VERSION_NUMBER (EMOC_VERSION_MAJOR * 10000 + EMOC_VERSION_MINOR * 100 + EMOC_VERSION_PATCH)

/* ============================================================================================ */
/* Status and errors                                                                            */
/* ============================================================================================ */

typedef enum emoc_status {
    EMOC_OK = 0,
    EMOC_E_ARG = 1,          /* invalid argument from the caller (NULL, out of range) */
    EMOC_E_IO = 2,           /* file could not be opened, read or written */
    EMOC_E_FORMAT = 3,       /* malformed file: bad magic, bounds, counts, layout */
    EMOC_E_VERSION = 4,      /* unknown major format version */
    EMOC_E_UNSUPPORTED = 5,  /* well-formed but not supported (architecture, dtype, op) */
    EMOC_E_NOMEM = 6,        /* allocation failed or a size cap was exceeded */
    EMOC_E_SHAPE = 7,        /* tensor or input shape does not match what is expected */
    EMOC_E_CHECKSUM = 8,     /* CRC-32 or SHA-256 mismatch */
    EMOC_E_NONFINITE = 9,    /* NaN or Inf in weights or input */
    EMOC_E_LIMIT = 10,       /* a configured limit (dimensions, bytes, nesting) was exceeded */
    EMOC_E_TRUNCATED = 11,   /* input ends before the data it declares */
    EMOC_E_SECURITY = 12,    /* input asks for something refused on principle (pickle global) */
    EMOC_E_INTERNAL = 13     /* a bug in emoc; please report */
} emoc_status;

/* Static English name of a status ("ok", "malformed file", ...). Never NULL. */
EMOC_API const char *emoc_strerror(emoc_status status);

/* Caller-owned message buffer for functions that create a handle. */
typedef struct emoc_error {
    char msg[512];
} emoc_error;

/* ============================================================================================ */
/* Version, CPU and kernel sets                                                                 */
/* ============================================================================================ */

EMOC_API const char *emoc_version_string(void);    /* "0.1.0" */
EMOC_API int emoc_version_number(void);            /* EMOC_VERSION_NUMBER of the library actually loaded */
EMOC_API const char *emoc_build_info(void);        /* compiler, build ISA set, flags */

typedef enum emoc_isa {
    EMOC_ISA_AUTO = 0,   /* best the CPU supports, unless EMOC_ISA is set in the environment */
    EMOC_ISA_REF = 1,    /* scalar reference kernels only */
    EMOC_ISA_AVX2 = 2,   /* x86-64 AVX2 + FMA */
    EMOC_ISA_AVX512 = 3, /* x86-64 AVX-512 F/BW/DQ/VL */
    EMOC_ISA_NEON = 4    /* ARM64 baseline NEON */
} emoc_isa;

EMOC_API const char *emoc_isa_name(emoc_isa isa);                  /* "ref", "avx2", ... */
EMOC_API emoc_status emoc_isa_parse(const char *name, emoc_isa *out);
/* Best ISA this CPU and this build support (ignores EMOC_ISA). */
EMOC_API emoc_isa emoc_isa_detect(void);
/* ISA that EMOC_ISA_AUTO resolves to: EMOC_ISA from the environment if set and supported,
 * else emoc_isa_detect(). An unsupported request returns EMOC_E_UNSUPPORTED. */
EMOC_API emoc_status emoc_isa_resolve(emoc_isa requested, emoc_isa *out);

/* ============================================================================================ */
/* Sandbox                                                                                      */
/* ============================================================================================ */
/* After the models are loaded and the outputs opened, a process that only computes needs no
 * network, no new programs and no new files. emoc_sandbox_enter() installs a seccomp-bpf
 * allow-list on every thread of the process (with PR_SET_NO_NEW_PRIVS); it cannot be undone.
 * Denied calls fail with EPERM: sockets, execve, fork, ptrace, opening a file for writing,
 * renaming or removing files. Files may still be opened for reading (unless deny_open), and
 * created, renamed and removed through openat/renameat/unlinkat/mkdirat relative to one of
 * write_dirs (directory fds opened before). The syscall list: docs/sandbox.md.
 * EMOC_E_UNSUPPORTED when the platform or kernel has no seccomp filters (not Linux x86-64 or
 * ARM64, qemu-user), with the reason in err. */
#define EMOC_SANDBOX_MAX_WRITE_DIRS 8
typedef struct emoc_sandbox_config {
    const int *write_dirs; /* directory fds where files may be created, renamed, removed */
    int n_write_dirs;      /* 0..EMOC_SANDBOX_MAX_WRITE_DIRS */
    int deny_open;         /* 1: no file may be opened at all any more, not even to read */
} emoc_sandbox_config;
/* config NULL: no write directories, reading allowed. */
EMOC_API emoc_status emoc_sandbox_enter(const emoc_sandbox_config *config, emoc_error *err);
/* 1 when this build and the running kernel can install the filter. */
EMOC_API int emoc_sandbox_available(void);

/* ============================================================================================ */
/* Allocation and options                                                                       */
/* ============================================================================================ */

typedef struct emoc_allocator {
    /* Returns memory aligned to `align` (a power of two ≤ 4096) or NULL. */
    void *(*alloc)(void *user, size_t size, size_t align);
    void (*free)(void *user, void *ptr);
    void *user;
} emoc_allocator;

typedef struct emoc_options {
    const emoc_allocator *allocator; /* NULL: malloc-based default */
    emoc_isa isa;                    /* kernel set to bind; EMOC_ISA_AUTO by default */
    int verify_checksums;            /* 1 (default via emoc_options_default): check every CRC */
    int flush_denormals;             /* 0 (default): IEEE gradual underflow. 1: sessions of this
                                      * model run with denormals flushed to zero (x86 FTZ+DAZ,
                                      * ARM64 FPCR.FZ), set and restored around each forward pass
                                      * on the caller and pool threads; faster on some CPUs,
                                      * results may differ in the last bits (docs/numerics.md) */
} emoc_options;

EMOC_API void emoc_options_default(emoc_options *opt);

/* ============================================================================================ */
/* Models                                                                                       */
/* ============================================================================================ */

typedef struct emoc_model emoc_model;

/* Maps (or reads) an EMW file, validates it completely (weights/FORMAT.md) and builds the plan. */
EMOC_API emoc_status emoc_model_load_file(const char *path, const emoc_options *opt, emoc_model **out,
                                 emoc_error *err);
/* Same from memory; the buffer is copied, so the caller may free it after the call. */
EMOC_API emoc_status emoc_model_load_memory(const void *data, size_t size, const emoc_options *opt,
                                   emoc_model **out, emoc_error *err);
/* Same, using the caller's buffer in place (no copy: boards without a file system, weights in
 * flash or a mapped image). The buffer must stay valid and unchanged until emoc_model_free();
 * 64-byte alignment lets the kernels read the weights where they are. */
EMOC_API emoc_status emoc_model_load_memory_inplace(const void *data, size_t size, const emoc_options *opt,
                                           emoc_model **out, emoc_error *err);
/* SHA-256 of the model's bytes as loaded (for emoc_model_load_file: the file's bytes as read,
 * never re-read from disk), 64 lower-case hex digits and a NUL. Computed at each call, with the
 * CPU's SHA instructions where it has them. */
EMOC_API emoc_status emoc_model_sha256(const emoc_model *model, char hex[65]);
EMOC_API void emoc_model_free(emoc_model *model);
EMOC_API const char *emoc_model_last_error(const emoc_model *model);

/* Description of the network's input and outputs, read from validated metadata. */
typedef struct emoc_model_info {
    const char *arch;          /* "efficientnet", "mobilefacenet", "ddamfn", "mtl_head", ... */
    const char *variant;       /* "b0", "b2", "mbf", ... */
    int input_size;            /* S of the square S×S input */
    int input_channels;        /* 3 */
    float mean[3], std[3];     /* per-channel normalisation, RGB order */
    const char *resize;        /* "cv2_linear" or "pil_bilinear" */
    int n_scores;              /* outputs of the final linear */
    int n_classes;             /* emotion logits, at scores[0..n_classes) */
    int valence_index;         /* index in scores, or -1 */
    int arousal_index;         /* index in scores, or -1 */
    int embedding_size;        /* input width of the final linear */
    int n_tensors;
    uint64_t n_params;
    emoc_isa isa;              /* kernel set bound at load */
} emoc_model_info;

EMOC_API emoc_status emoc_model_get_info(const emoc_model *model, emoc_model_info *out);
EMOC_API const char *emoc_model_class_label(const emoc_model *model, int index); /* NULL if out of range */
/* Any metadata key as text ("" for arrays is never returned: arrays are joined by ','). */
EMOC_API const char *emoc_model_meta(const emoc_model *model, const char *key);

/* ============================================================================================ */
/* Operation trace (privacy review, benchmarks)                                                 */
/* ============================================================================================ */

/* One op of the plan. Never contains activation values. Shapes are NHWC with n = 1. */
typedef struct emoc_trace_event {
    int op_index;
    const char *op;          /* "conv2d", "dwconv", "pwconv", "gap", "linear", ... */
    const char *node;        /* net-level name, e.g. "blocks.3.1.dw" */
    const char *kernel;      /* bound kernel symbol, e.g. "emoc_f32_dwconv_k3_c16__avx512" */
    int n_inputs;
    int in_shape[3][4];      /* [input][n,h,w,c] */
    int out_shape[4];
    uint64_t in_offset[3];   /* arena byte offsets */
    uint64_t out_offset;
    int n_weights;
    const char *weight_name[4];
    uint32_t weight_crc[4];  /* CRC-32 stored in the EMW tensor table */
    uint64_t flops;          /* 2 × multiply-adds (+ elementwise work) */
    uint64_t ns;             /* elapsed wall time (run trace only; 0 in the plan dump) */
    emoc_status status;
} emoc_trace_event;

typedef void (*emoc_trace_fn)(void *user, const emoc_trace_event *ev);

EMOC_API int emoc_model_op_count(const emoc_model *model);
/* Dead parameters the architecture declares (present in checkpoints, never used): prefixes. */
EMOC_API int emoc_model_ignored_count(const emoc_model *model);
EMOC_API const char *emoc_model_ignored_prefix(const emoc_model *model, int index);
/* Static plan dump: calls fn once per op, in execution order. */
EMOC_API emoc_status emoc_model_dump_plan(const emoc_model *model, emoc_trace_fn fn, void *user);

/* ============================================================================================ */
/* Sessions and inference                                                                       */
/* ============================================================================================ */

typedef struct emoc_session emoc_session;

/* Bytes of activation arena a session of this model needs with `threads` threads. */
EMOC_API size_t emoc_model_arena_size(const emoc_model *model, int threads);

/* threads ≤ 0 means the number of online cores. arena may be NULL (allocated through the
 * model's allocator) or a caller buffer of at least emoc_model_arena_size() bytes, 64-byte
 * aligned, that outlives the session. */
EMOC_API emoc_status emoc_session_create(const emoc_model *model, int threads, void *arena,
                                size_t arena_size, emoc_session **out, emoc_error *err);
EMOC_API void emoc_session_free(emoc_session *session);
EMOC_API const char *emoc_session_last_error(const emoc_session *session);
EMOC_API int emoc_session_threads(const emoc_session *session);
/* Per-op callback during emoc_session_run (NULL to disable; one branch per op when off). */
EMOC_API void emoc_session_set_trace(emoc_session *session, emoc_trace_fn fn, void *user);

/* Results of one forward pass; pointers stay valid until the next run or emoc_session_free. */
typedef struct emoc_output {
    const float *scores;      /* n_scores raw outputs of the final linear, graph order */
    int n_scores;
    const float *probs;       /* softmax over the n_classes emotion logits */
    int n_classes;
    int label;                /* argmax of probs */
    int has_va;
    float valence, arousal;   /* raw scores[valence_index], scores[arousal_index] */
    const float *embedding;   /* input of the final linear */
    int n_embedding;
} emoc_output;

/* Runs one preprocessed input: float32 NCHW 1×3×S×S, exactly what PyTorch would be given.
 * Non-finite input values give EMOC_E_NONFINITE. Allocates nothing. */
EMOC_API emoc_status emoc_session_run(emoc_session *session, const float *input_nchw, size_t n_values,
                             emoc_output *out);

/* ============================================================================================ */
/* Images and preprocessing                                                                     */
/* ============================================================================================ */
/* Decoders (PPM/PGM P5/P6, PNG, JPEG, BMP) written from scratch for untrusted input: every
 * dimension is checked against emoc_image_limits before anything is allocated, every length is
 * bounded by what remains, and a failure names the byte offset and the reason. Pixels are 8-bit,
 * rows top to bottom, channels interleaved (1 = gray, 3 = RGB); alpha is dropped, 16-bit samples
 * keep their high byte, palettes are expanded, JPEG EXIF orientation is applied. */

typedef struct emoc_image {
    int width, height, channels;  /* channels: 1 (gray) or 3 (RGB) */
    uint8_t *pixels;              /* width·height·channels bytes, malloc'ed; emoc_image_free */
} emoc_image;

typedef struct emoc_image_limits {
    int max_width, max_height;    /* default 16384 × 16384 */
    size_t max_bytes;             /* decoded pixel bytes, default 256 MiB */
} emoc_image_limits;

EMOC_API void emoc_image_limits_default(emoc_image_limits *lim);

typedef enum emoc_image_format {
    EMOC_IMAGE_UNKNOWN = 0,
    EMOC_IMAGE_PPM = 1,           /* also PGM */
    EMOC_IMAGE_PNG = 2,
    EMOC_IMAGE_JPEG = 3,
    EMOC_IMAGE_BMP = 4
} emoc_image_format;

/* Format from the first bytes (magic numbers only). */
EMOC_API emoc_image_format emoc_image_sniff(const void *data, size_t size);
EMOC_API const char *emoc_image_format_name(emoc_image_format fmt); /* "ppm", "png", ... , "unknown" */

/* Decodes an image held in memory; lim NULL (or all zero) = defaults. On failure *out is zeroed and err (if
 * given) holds e.g. "png: offset 1234: IDAT CRC mismatch (stored 0x..., computed 0x...)". */
EMOC_API emoc_status emoc_image_decode(const void *data, size_t size, const emoc_image_limits *lim,
                              emoc_image *out, emoc_error *err);
/* Same from a file; the message is prefixed with the path. */
EMOC_API emoc_status emoc_image_load_file(const char *path, const emoc_image_limits *lim, emoc_image *out,
                                 emoc_error *err);
EMOC_API void emoc_image_free(emoc_image *img);   /* frees pixels and zeroes *img; NULL is fine */

/* Copy with 3 channels (gray replicated); an RGB input is copied as is. */
EMOC_API emoc_status emoc_image_to_rgb(const emoc_image *src, emoc_image *out, emoc_error *err);

/* Crop box (x, y, w, h) clipped to the image; an empty clipped box is EMOC_E_SHAPE. */
EMOC_API emoc_status emoc_image_crop(const emoc_image *src, int x, int y, int w, int h, emoc_image *out,
                            emoc_error *err);

typedef enum emoc_resize_mode {
    EMOC_RESIZE_CV2 = 0,  /* cv2.resize INTER_LINEAR on uint8, bit-exact (ONNX pipeline) */
    EMOC_RESIZE_PIL = 1   /* PIL Image.resize BILINEAR, antialiased (torch pipeline), ±1 */
} emoc_resize_mode;

/* "cv2" / "cv2_linear" / "pil" / "pil_bilinear" → mode. */
EMOC_API emoc_status emoc_resize_mode_parse(const char *name, emoc_resize_mode *out);

/* Resizes to dst_w × dst_h (each 1..limit), same channel count. */
EMOC_API emoc_status emoc_image_resize(const emoc_image *src, int dst_w, int dst_h, emoc_resize_mode mode,
                              emoc_image *out, emoc_error *err);

/* The network input: resize to size × size, then (v/255 − mean[c]) / std[c], RGB order, float32
 * NCHW 1×3×size×size; gray images are expanded to 3 channels. n_values must be 3·size·size. */
EMOC_API emoc_status emoc_image_preprocess(const emoc_image *src, int size, const float mean[3],
                                  const float std[3], emoc_resize_mode mode, float *out_nchw,
                                  size_t n_values, emoc_error *err);

/* ============================================================================================ */
/* Face detection                                                                               */
/* ============================================================================================ */
/* Face detectors load from their own EMW files (emoc.arch "mtcnn", ...; `emoc convert` makes
 * them from the published checkpoints) and run on a caller's RGB image. A detector file given to
 * emoc_model_load_* (or an emotion model given here) is refused with EMOC_E_UNSUPPORTED and a
 * message saying what the file is. docs/detectors.md describes each detector and how it follows
 * its upstream code. */

#define EMOC_MAX_LANDMARKS 6
#define EMOC_DETECT_MAX_SIDE 4096    /* frames wider or taller are refused (EMOC_E_LIMIT) */

typedef struct emoc_face {
    float x1, y1, x2, y2;   /* original pixels, unclipped, as the upstream detector reports them */
    float score;
    int n_landmarks;        /* 5 for MTCNN and RetinaFace, 6 for BlazeFace */
    float landmarks[EMOC_MAX_LANDMARKS][2];
} emoc_face;

typedef struct emoc_detector emoc_detector;   /* immutable weights + per-size plans (one thread
                                               * at a time) */

typedef struct emoc_detect_options {
    float threshold;   /* keep faces with score > threshold; < 0: the detector's default (MTCNN
                        * 0.9 as EmotiEffLib, RetinaFace 0.6, BlazeFace 0.5 / 0.6) */
    int min_face;      /* < 0: default. MTCNN: the pyramid's minimum face size (default 40);
                        * others: faces narrower than this are dropped (default 0) */
} emoc_detect_options;

EMOC_API void emoc_detect_options_default(emoc_detect_options *o);

EMOC_API emoc_status emoc_detector_load_file(const char *path, const emoc_options *opt,
                                    emoc_detector **out, emoc_error *err);
/* The buffer is copied. */
EMOC_API emoc_status emoc_detector_load_memory(const void *data, size_t size, const emoc_options *opt,
                                      emoc_detector **out, emoc_error *err);
EMOC_API void emoc_detector_free(emoc_detector *d);
EMOC_API const char *emoc_detector_last_error(const emoc_detector *d);
EMOC_API const char *emoc_detector_arch(const emoc_detector *d);      /* "mtcnn", ... */
EMOC_API int emoc_detector_landmark_count(const emoc_detector *d);
/* 1 if an EMW held in memory is a face detector (emoc.task = "face_detection"), 0 otherwise
 * (also on any parse error). */
EMOC_API int emoc_emw_is_detector(const void *data, size_t size);

/* Detects faces in an RGB image (3 channels, at most EMOC_DETECT_MAX_SIDE per side; o NULL =
 * defaults). Faces come in the upstream detector's order (MTCNN: largest box first). *n_faces
 * is the number found, which may exceed cap; only the first cap are written. Allocates only on
 * the first frame of a given size (plans and buffers are kept for the next frames). */
EMOC_API emoc_status emoc_detect(emoc_detector *d, const emoc_image *rgb, const emoc_detect_options *o,
                        emoc_face *faces, int cap, int *n_faces);

/* The EmotiEffLib crop of a face: box truncated to int, then clipped to the image
 * (frame[y1:y2, x1:x2] with negative coordinates clipped to 0 rather than wrapped as numpy
 * would). x, y, w, h of the crop; w or h is 0 when nothing of the box is inside the image. */
EMOC_API void emoc_face_crop_box(const emoc_face *f, int width, int height, int *x, int *y, int *w, int *h);

#ifdef __cplusplus
}
#endif
#endif /* EMOC_H */
