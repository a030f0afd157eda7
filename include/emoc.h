/*
 * emoc.h — the one public header of emoc, an on-device inference engine for the HSEmotion family
 * of facial-affect networks (EfficientNet-B0/B2, MobileFaceNet, DDAMFN), plain C11, libc + libm.
 *
 * Overview
 *   emoc_model    weights + validated metadata + execution plan; immutable after load, shareable
 *                 between threads.
 *   emoc_session  activation arena, thread pool and per-run state; one per thread of the caller.
 *   post-processing (heads, blending, smoothing, thresholds, metrics) are pure functions over
 *                 caller-owned arrays (section "Post-processing" below).
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
const char *emoc_strerror(emoc_status status);

/* Caller-owned message buffer for functions that create a handle. */
typedef struct emoc_error {
    char msg[512];
} emoc_error;

/* ============================================================================================ */
/* Version, CPU and kernel sets                                                                 */
/* ============================================================================================ */

const char *emoc_version_string(void);    /* "0.1.0" */
int emoc_version_number(void);            /* EMOC_VERSION_NUMBER of the library actually loaded */
const char *emoc_build_info(void);        /* compiler, build ISA set, flags */

typedef enum emoc_isa {
    EMOC_ISA_AUTO = 0,   /* best the CPU supports, unless EMOC_ISA is set in the environment */
    EMOC_ISA_REF = 1,    /* scalar reference kernels only */
    EMOC_ISA_AVX2 = 2,   /* x86-64 AVX2 + FMA */
    EMOC_ISA_AVX512 = 3, /* x86-64 AVX-512 F/BW/DQ/VL */
    EMOC_ISA_NEON = 4    /* ARM64 baseline NEON */
} emoc_isa;

const char *emoc_isa_name(emoc_isa isa);                  /* "ref", "avx2", ... */
emoc_status emoc_isa_parse(const char *name, emoc_isa *out);
/* Best ISA this CPU and this build support (ignores EMOC_ISA). */
emoc_isa emoc_isa_detect(void);
/* ISA that EMOC_ISA_AUTO resolves to: EMOC_ISA from the environment if set and supported,
 * else emoc_isa_detect(). An unsupported request returns EMOC_E_UNSUPPORTED. */
emoc_status emoc_isa_resolve(emoc_isa requested, emoc_isa *out);

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
emoc_status emoc_sandbox_enter(const emoc_sandbox_config *config, emoc_error *err);
/* 1 when this build and the running kernel can install the filter. */
int emoc_sandbox_available(void);

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

void emoc_options_default(emoc_options *opt);

/* ============================================================================================ */
/* Models                                                                                       */
/* ============================================================================================ */

typedef struct emoc_model emoc_model;

/* Maps (or reads) an EMW file, validates it completely (weights/FORMAT.md) and builds the plan. */
emoc_status emoc_model_load_file(const char *path, const emoc_options *opt, emoc_model **out,
                                 emoc_error *err);
/* Same from memory; the buffer is copied, so the caller may free it after the call. */
emoc_status emoc_model_load_memory(const void *data, size_t size, const emoc_options *opt,
                                   emoc_model **out, emoc_error *err);
/* Same, using the caller's buffer in place (no copy: boards without a file system, weights in
 * flash or a mapped image). The buffer must stay valid and unchanged until emoc_model_free();
 * 64-byte alignment lets the kernels read the weights where they are. */
emoc_status emoc_model_load_memory_inplace(const void *data, size_t size, const emoc_options *opt,
                                           emoc_model **out, emoc_error *err);
/* SHA-256 of the model's bytes as loaded (for emoc_model_load_file: the file's bytes as read,
 * never re-read from disk), 64 lower-case hex digits and a NUL. Computed at each call, with the
 * CPU's SHA instructions where it has them. */
emoc_status emoc_model_sha256(const emoc_model *model, char hex[65]);
void emoc_model_free(emoc_model *model);
const char *emoc_model_last_error(const emoc_model *model);

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

emoc_status emoc_model_get_info(const emoc_model *model, emoc_model_info *out);
const char *emoc_model_class_label(const emoc_model *model, int index); /* NULL if out of range */
/* Any metadata key as text ("" for arrays is never returned: arrays are joined by ','). */
const char *emoc_model_meta(const emoc_model *model, const char *key);

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

int emoc_model_op_count(const emoc_model *model);
/* Dead parameters the architecture declares (present in checkpoints, never used): prefixes. */
int emoc_model_ignored_count(const emoc_model *model);
const char *emoc_model_ignored_prefix(const emoc_model *model, int index);
/* Static plan dump: calls fn once per op, in execution order. */
emoc_status emoc_model_dump_plan(const emoc_model *model, emoc_trace_fn fn, void *user);

/* ============================================================================================ */
/* Sessions and inference                                                                       */
/* ============================================================================================ */

typedef struct emoc_session emoc_session;

/* Bytes of activation arena a session of this model needs with `threads` threads. */
size_t emoc_model_arena_size(const emoc_model *model, int threads);

/* threads ≤ 0 means the number of online cores. arena may be NULL (allocated through the
 * model's allocator) or a caller buffer of at least emoc_model_arena_size() bytes, 64-byte
 * aligned, that outlives the session. */
emoc_status emoc_session_create(const emoc_model *model, int threads, void *arena,
                                size_t arena_size, emoc_session **out, emoc_error *err);
void emoc_session_free(emoc_session *session);
const char *emoc_session_last_error(const emoc_session *session);
int emoc_session_threads(const emoc_session *session);
/* Per-op callback during emoc_session_run (NULL to disable; one branch per op when off). */
void emoc_session_set_trace(emoc_session *session, emoc_trace_fn fn, void *user);

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
emoc_status emoc_session_run(emoc_session *session, const float *input_nchw, size_t n_values,
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

void emoc_image_limits_default(emoc_image_limits *lim);

typedef enum emoc_image_format {
    EMOC_IMAGE_UNKNOWN = 0,
    EMOC_IMAGE_PPM = 1,           /* also PGM */
    EMOC_IMAGE_PNG = 2,
    EMOC_IMAGE_JPEG = 3,
    EMOC_IMAGE_BMP = 4
} emoc_image_format;

/* Format from the first bytes (magic numbers only). */
emoc_image_format emoc_image_sniff(const void *data, size_t size);
const char *emoc_image_format_name(emoc_image_format fmt); /* "ppm", "png", ... , "unknown" */

/* Decodes an image held in memory; lim NULL (or all zero) = defaults. On failure *out is zeroed and err (if
 * given) holds e.g. "png: offset 1234: IDAT CRC mismatch (stored 0x..., computed 0x...)". */
emoc_status emoc_image_decode(const void *data, size_t size, const emoc_image_limits *lim,
                              emoc_image *out, emoc_error *err);
/* Same from a file; the message is prefixed with the path. */
emoc_status emoc_image_load_file(const char *path, const emoc_image_limits *lim, emoc_image *out,
                                 emoc_error *err);
void emoc_image_free(emoc_image *img);   /* frees pixels and zeroes *img; NULL is fine */

/* Copy with 3 channels (gray replicated); an RGB input is copied as is. */
emoc_status emoc_image_to_rgb(const emoc_image *src, emoc_image *out, emoc_error *err);

/* Crop box (x, y, w, h) clipped to the image; an empty clipped box is EMOC_E_SHAPE. */
emoc_status emoc_image_crop(const emoc_image *src, int x, int y, int w, int h, emoc_image *out,
                            emoc_error *err);

typedef enum emoc_resize_mode {
    EMOC_RESIZE_CV2 = 0,  /* cv2.resize INTER_LINEAR on uint8, bit-exact (ONNX pipeline) */
    EMOC_RESIZE_PIL = 1   /* PIL Image.resize BILINEAR, antialiased (torch pipeline), ±1 */
} emoc_resize_mode;

/* "cv2" / "cv2_linear" / "pil" / "pil_bilinear" → mode. */
emoc_status emoc_resize_mode_parse(const char *name, emoc_resize_mode *out);

/* Resizes to dst_w × dst_h (each 1..limit), same channel count. */
emoc_status emoc_image_resize(const emoc_image *src, int dst_w, int dst_h, emoc_resize_mode mode,
                              emoc_image *out, emoc_error *err);

/* The network input: resize to size × size, then (v/255 − mean[c]) / std[c], RGB order, float32
 * NCHW 1×3×size×size; gray images are expanded to 3 channels. n_values must be 3·size·size. */
emoc_status emoc_image_preprocess(const emoc_image *src, int size, const float mean[3],
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

void emoc_detect_options_default(emoc_detect_options *o);

emoc_status emoc_detector_load_file(const char *path, const emoc_options *opt,
                                    emoc_detector **out, emoc_error *err);
/* The buffer is copied. */
emoc_status emoc_detector_load_memory(const void *data, size_t size, const emoc_options *opt,
                                      emoc_detector **out, emoc_error *err);
void emoc_detector_free(emoc_detector *d);
const char *emoc_detector_last_error(const emoc_detector *d);
const char *emoc_detector_arch(const emoc_detector *d);      /* "mtcnn", ... */
int emoc_detector_landmark_count(const emoc_detector *d);
/* 1 if an EMW held in memory is a face detector (emoc.task = "face_detection"), 0 otherwise
 * (also on any parse error). */
int emoc_emw_is_detector(const void *data, size_t size);

/* Detects faces in an RGB image (3 channels, at most EMOC_DETECT_MAX_SIDE per side; o NULL =
 * defaults). Faces come in the upstream detector's order (MTCNN: largest box first). *n_faces
 * is the number found, which may exceed cap; only the first cap are written. Allocates only on
 * the first frame of a given size (plans and buffers are kept for the next frames). */
emoc_status emoc_detect(emoc_detector *d, const emoc_image *rgb, const emoc_detect_options *o,
                        emoc_face *faces, int cap, int *n_faces);

/* The EmotiEffLib crop of a face: box truncated to int, then clipped to the image
 * (frame[y1:y2, x1:x2] with negative coordinates clipped to 0 rather than wrapped as numpy
 * would). x, y, w, h of the crop; w or h is 0 when nothing of the box is inside the image. */
void emoc_face_crop_box(const emoc_face *f, int width, int height, int *x, int *y, int *w, int *h);

/* ============================================================================================ */
/* Post-processing                                                                              */
/* ============================================================================================ */
/*
 * ABAW post-processing (spec models.md §7, ecosystem.md §2): pure functions over caller-owned
 * arrays. Nothing here keeps static mutable state and nothing allocates except the two calls
 * documented as allocating (emoc_mtl_head_load_*, released by emoc_mtl_head_release).
 *
 * Layouts (row-major, one row per frame):
 *   VA     n×2 double   valence, arousal; label missing when either value < −1 (ABAW uses −5)
 *   EXPR   n×8 double   probabilities in ABAW order (Neutral, Anger, Disgust, Fear, Happiness,
 *                       Sadness, Surprise, Other); labels are ints 0..7, −1 = missing
 *   AU     n×12 double  sigmoid scores, AU order AU1,2,4,6,7,10,12,15,23,24,25,26; labels 0/1,
 *                       a row with any −1 is missing for the AU task
 *   CE     n×7 double   compound scores in submission order (§7.5)
 */

#define EMOC_N_EXPR 8            /* ABAW / AffectNet-8 expression classes */
#define EMOC_N_AU 12             /* ABAW action units */
#define EMOC_N_CE 7              /* ABAW compound expressions */
#define EMOC_MTL_N_SCORES 10     /* backbone scores appended to the embedding: 8 logits, V, A */

/* Names: ABAW expression order, AffectNet-8 / AffectNet-7 order, AUs ("AU1"), compound classes
 * in submission order. NULL when out of range. */
const char *emoc_abaw_expr_name(int index);
const char *emoc_affectnet8_name(int index);
const char *emoc_affectnet7_name(int index);
const char *emoc_au_name(int index);
const char *emoc_ce_name(int index);

/* ---- class maps ---------------------------------------------------------------------------- */

typedef enum emoc_class_map {
    EMOC_MAP_AFFECTNET8_TO_ABAW = 0,        /* permutation [5,0,2,3,4,6,7,1]: Contempt → Other */
    EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT = 1, /* Contempt dropped, the other 7 renormalised,
                                                  * Other = 0; evaluate with
                                                  * emoc_labels_drop_other() on the truth */
    EMOC_MAP_AFFECTNET7_TO_ABAW = 2,        /* 7-class models: Other = 0 */
    EMOC_MAP_ABAW_TO_AFFECTNET8 = 3         /* inverse of the first: Other → Contempt */
} emoc_class_map;

/* Maps one row of probabilities (8 values, or 7 for AFFECTNET7) to 8 values. src != dst. */
emoc_status emoc_class_map_probs(emoc_class_map map, const double *src, double *dst);
/* Maps one class index; −1 for a class the target set does not have (or bad input). */
int emoc_class_map_label(emoc_class_map map, int label);
/* "Contempt excluded" evaluation: ground-truth Other (7) becomes missing (−1). */
void emoc_labels_drop_other(int *expr_labels, size_t n);

/* ---- blending and decisions ---------------------------------------------------------------- */

/* out[i] = w·a[i] + (1−w)·b[i] for count values (out may alias a or b). */
void emoc_blend(const double *a, const double *b, size_t count, double w, double *out);

/* Per-task weights of the first model (ABAW7 final: va 0.8, expr 0.5, au 0.5). */
typedef struct emoc_blend_weights {
    double va, expr, au;
} emoc_blend_weights;

/* Index of the largest of n values (first on ties), −1 if n ≤ 0. */
int emoc_argmax(const double *v, int n);
/* AU decisions: out[k] = scores[k] ≥ thresholds[k]. */
void emoc_au_decide(const double *scores, const double *thresholds, int *out);
/* Named per-AU threshold presets (spec §7.3): "0.5" (fixed), "abaw7_ddamfn", "abaw7_enet_b0",
 * "abaw7_blend" (fixed 0.5), "abaw6_vgaf_mlp", "abaw6_enet_b0_mtl". Returns a static constant
 * table of 12 values, or NULL for an unknown name. */
const double *emoc_au_threshold_preset(const char *name);
/* Name of the i-th preset (for listings), NULL past the end. */
const char *emoc_au_threshold_preset_name(int i);

/* ---- temporal smoothing -------------------------------------------------------------------- */

typedef enum emoc_smooth_kind {
    EMOC_SMOOTH_NONE = 0,
    EMOC_SMOOTH_BOX = 1,             /* mean over the window */
    EMOC_SMOOTH_GAUSS_PAPER = 2,     /* weights exp(−Δ²/(2σ²)) as written in the paper */
    EMOC_SMOOTH_GAUSS_CODE = 3,      /* weights exp(−Δ²/σ) as in the authors' notebooks */
    EMOC_SMOOTH_ABAW7_NOTEBOOK = 4   /* exact ABAW7 mtl.ipynb loop (exp(−Δ²/σ), window over list
                                      * positions, δ−1 previous + self + δ next, see §7.2);
                                      * only through emoc_smooth_list() */
} emoc_smooth_kind;

typedef struct emoc_smooth_opts {
    emoc_smooth_kind kind;
    double sigma;   /* Gaussian parameter (> 0) */
    int delta;      /* window half-width in frames (≥ 0) */
} emoc_smooth_opts;

/* Separate settings per task; emoc_smooth_settings_default() = nothing smoothed. */
typedef struct emoc_smooth_settings {
    emoc_smooth_opts va, expr, au;
} emoc_smooth_settings;
void emoc_smooth_settings_default(emoc_smooth_settings *s);

/* Linear interpolation of one video's rows at query frames. frames[0..n) strictly increasing
 * (n ≥ 1), values n×dim; queries before the first / after the last known frame copy the nearest
 * row. out is n_query×dim. EMOC_E_ARG if frames are not strictly increasing or n == 0. */
emoc_status emoc_interpolate_frames(const int *frames, const double *values, size_t n,
                                    size_t dim, const int *query, size_t n_query, double *out);

/* Smooths one video: row i becomes the weighted mean of the rows j with |f_j − f_i| ≤ δ
 * (real frame numbers, strictly increasing; the window is clipped at the video's ends).
 * On a dense sequence (f = 1,2,3,...) BOX is the mean over items [i−δ, i+δ] ∩ video (§7.4).
 * NONE copies. out must not alias in. EMOC_E_ARG on bad options or unsorted frames. */
emoc_status emoc_smooth_video(const emoc_smooth_opts *opt, const int *frames, const double *in,
                              size_t n, size_t dim, double *out);

/* Smooths a whole list whose rows are grouped by video (video[i] = any id, equal ids
 * contiguous): each run of equal ids goes through emoc_smooth_video(), except for
 * EMOC_SMOOTH_ABAW7_NOTEBOOK, which runs the notebook's loop over the whole list exactly
 * (global positions included). out must not alias in. */
emoc_status emoc_smooth_list(const emoc_smooth_opts *opt, const int *video, const int *frames,
                             const double *in, size_t n, size_t dim, double *out);

/* ---- compound expressions (§7.5) ----------------------------------------------------------- */

typedef enum emoc_ce_mean {
    EMOC_CE_MEAN_ARITHMETIC = 0,
    EMOC_CE_MEAN_GEOMETRIC = 1,
    EMOC_CE_MEAN_HARMONIC = 2
} emoc_ce_mean;

typedef enum emoc_ce_faces {
    EMOC_CE_FACES_MAX = 0,       /* per compound class, max over the faces of a frame */
    EMOC_CE_FACES_LARGEST = 1,   /* the face with the largest area */
    EMOC_CE_FACES_MEAN = 2       /* mean over faces */
} emoc_ce_faces;

/* Softmax over the first 8 logits (AffectNet-8 order; V/A ignored), then the 7 pair means in
 * submission order: (Fear,Surprise), (Happy,Surprise), (Sad,Surprise), (Disgust,Surprise),
 * (Angry,Surprise), (Sad,Fear), (Sad,Angry). */
void emoc_ce_scores(const double *affectnet8_logits, emoc_ce_mean mean, double *out7);
/* Pools n_faces rows of 7 scores into one (areas used by FACES_LARGEST, may be NULL otherwise).
 * EMOC_E_ARG if n_faces < 1. */
emoc_status emoc_ce_pool_faces(const double *face_scores, const double *face_areas, int n_faces,
                               emoc_ce_faces how, double *out7);

/* ---- metrics (§7.6) ------------------------------------------------------------------------ */
/*
 * Edge cases (our definitions): CCC = 2·cov/(var_x + var_y + (μx−μy)²) with population
 * statistics; when the denominator is 0 (both series constant and equal) CCC = 1; a constant
 * series against a varying one gives 0. F1 of a class absent from both truth and prediction is 0
 * (scikit-learn zero_division=0). No labelled frame: the metric is NaN (JSON null) and n = 0.
 */

/* CCC of x against y over n values (NaN if n == 0). */
double emoc_ccc(const double *x, const double *y, size_t n);

typedef struct emoc_va_metrics {
    double ccc_valence, ccc_arousal, p_va;  /* p_va = ½(CCC_V + CCC_A) */
    size_t n;                               /* labelled frames */
} emoc_va_metrics;
/* pred, truth: n×2. Frames whose truth has a value < −1 are skipped. scratch: 4·n doubles. */
void emoc_metrics_va(const double *pred, const double *truth, size_t n, double *scratch,
                     emoc_va_metrics *out);

typedef struct emoc_expr_metrics {
    int n_classes;                       /* 8, or 7 after emoc_labels_drop_other */
    double f1[EMOC_N_EXPR];              /* per class */
    double f1_macro;                     /* mean over the n_classes classes */
    double f1_macro_present;             /* mean over classes present in truth ∪ prediction
                                          * (scikit-learn average="macro" without labels=) */
    double accuracy;
    size_t confusion[EMOC_N_EXPR][EMOC_N_EXPR];  /* [truth][pred] */
    size_t n;                            /* labelled frames */
} emoc_expr_metrics;
/* pred: class indices; truth: −1 (or any value outside 0..n_classes−1) = missing. A prediction
 * outside 0..n_classes−1 on a labelled frame gives EMOC_E_ARG. */
emoc_status emoc_metrics_expr(const int *pred, const int *truth, size_t n, int n_classes,
                              emoc_expr_metrics *out);

typedef struct emoc_au_metrics {
    double f1[EMOC_N_AU];
    double f1_mean;
    size_t n;                            /* labelled rows (no −1 among the 12) */
} emoc_au_metrics;
/* pred, truth: n×12 of 0/1; truth rows with any negative value are skipped. */
void emoc_metrics_au(const int *pred, const int *truth, size_t n, emoc_au_metrics *out);

/* P_MTL = P_VA + F1_EXPR + F1_AU (NaN terms make it NaN). */
double emoc_p_mtl(const emoc_va_metrics *va, const emoc_expr_metrics *expr,
                  const emoc_au_metrics *au);

/* Binary F1 of one column: pred/truth read with a stride (in ints); truth < 0 skipped. */
double emoc_f1_binary(const int *pred, const int *truth, size_t n, size_t stride);

/* KL(P_pred ‖ P_ref) between the class frequencies of two label sets (labels outside
 * 0..n_classes−1 skipped; eps added to every count before normalising, as
 * scipy.stats.entropy(p + eps, q + eps) on counts). +Inf if a predicted class never occurs in
 * the reference and eps == 0; NaN if either set is empty. */
double emoc_kl_class_freq(const int *pred, const int *ref, size_t n, int n_classes, double eps);

/* Cohen's kappa between two prediction sets (pairs with a label outside 0..n_classes−1 skipped;
 * 1 when both agree completely on a single class, NaN if no pair). */
double emoc_cohen_kappa(const int *a, const int *b, size_t n, int n_classes);

/* ---- labels and task scores (used by tuning) ----------------------------------------------- */

typedef enum emoc_task { EMOC_TASK_VA = 0, EMOC_TASK_EXPR = 1, EMOC_TASK_AU = 2 } emoc_task;

/* Width of a task's score row: 2, 8, 12. */
int emoc_task_dim(emoc_task task);

typedef struct emoc_mtl_labels {
    size_t n;
    const double *va;    /* n×2 or NULL */
    const int *expr;     /* n or NULL */
    const int *au;       /* n×12 or NULL */
} emoc_mtl_labels;

/* Headline metric of one task from score rows: VA → P_VA; EXPR → macro F1 of the argmax over 8;
 * AU → mean F1 with per-AU thresholds (NULL: 0.5). scratch: emoc_task_scratch_size(n) bytes. */
size_t emoc_task_scratch_size(size_t n);
emoc_status emoc_task_metric(emoc_task task, const double *scores, const emoc_mtl_labels *labels,
                             const double *au_thresholds, void *scratch, double *out);

/* ---- tuning on a validation set ------------------------------------------------------------ */

/* Fills out with lo, lo+step, ... ≤ hi (+1e-9) and returns the count (≤ cap). */
size_t emoc_grid(double lo, double hi, double step, double *out, size_t cap);

/* Per-AU thresholds maximising each AU's F1 (first grid value on ties). curve: 12×n_grid F1
 * values (may be NULL). scores n×12, truth n×12 (rows with −1 skipped). */
emoc_status emoc_tune_au_thresholds(const double *scores, const int *truth, size_t n,
                                    const double *grid, size_t n_grid, double *best_thresholds,
                                    double *best_f1, double *curve);

/* Blend weight of model a for one task: curve[k] = metric at grid[k] (may be NULL).
 * scratch: n·dim doubles + emoc_task_scratch_size(n) bytes, given as one buffer of
 * emoc_tune_scratch_size(task, n) bytes. */
size_t emoc_tune_scratch_size(emoc_task task, size_t n);
emoc_status emoc_tune_blend(emoc_task task, const double *a, const double *b,
                            const emoc_mtl_labels *labels, const double *au_thresholds,
                            const double *grid, size_t n_grid, void *scratch, double *curve,
                            double *best_w, double *best_metric);

/* Smoothing parameters of one task over σ × δ grids (kind fixed, e.g. GAUSS_CODE or BOX; for
 * BOX only δ matters). curve: n_sigma×n_delta metrics, row-major (may be NULL). */
emoc_status emoc_tune_smooth(emoc_task task, emoc_smooth_kind kind, const int *video,
                             const int *frames, const double *scores,
                             const emoc_mtl_labels *labels, const double *au_thresholds,
                             const double *sigmas, size_t n_sigma, const int *deltas,
                             size_t n_delta, void *scratch, double *curve, double *best_sigma,
                             int *best_delta, double *best_metric);

/* ---- MTL head (§7.1) ----------------------------------------------------------------------- */
/*
 * Input X = [embedding (E values), 10 backbone scores] (D = E + 10).
 *   EXPR: softmax(X·We + be)                 We: D×8
 *   VA:   tanh(X[E..D)·Wv + bv)              Wv: 10×2
 *   AU:   sigmoid(relu(X·W1 + b1)·W2 + b2)   W1: D×H (H = 128), W2: H×12
 * Kernels are stored [in][out] (Keras layout). In EMW files: emoc.arch = "mtl_head", tensors
 * expr.kernel/bias, va.kernel/bias, au1.kernel/bias, au2.kernel/bias (post/README.md).
 */
typedef struct emoc_mtl_head {
    int embedding_size;     /* E */
    int in_dim;             /* D = E + 10 */
    int au_hidden;          /* H */
    char backbone[32];      /* backbone the features come from ("ddamfn", "enet_b0", ...) */
    float *expr_kernel;     /* [D][8] */
    float *expr_bias;       /* [8] */
    float *va_kernel;       /* [10][2] */
    float *va_bias;         /* [2] */
    float *au1_kernel;      /* [D][H] */
    float *au1_bias;        /* [H] */
    float *au2_kernel;      /* [H][12] */
    float *au2_bias;        /* [12] */
    void *owned;            /* block allocated by emoc_mtl_head_load_*; NULL for views */
} emoc_mtl_head;

/* Number of floats of all eight tensors for embedding size E and hidden width H. */
size_t emoc_mtl_head_param_count(int embedding_size, int au_hidden);
/* Points head's tensors into a caller buffer of emoc_mtl_head_param_count() floats (order:
 * expr kernel, bias, va kernel, bias, au1 kernel, bias, au2 kernel, bias). */
emoc_status emoc_mtl_head_view(emoc_mtl_head *head, int embedding_size, int au_hidden,
                               const char *backbone, float *params);
/* Reads an EMW head (allocates one block; free with emoc_mtl_head_release). */
emoc_status emoc_mtl_head_load_file(const char *path, emoc_mtl_head *head, emoc_error *err);
emoc_status emoc_mtl_head_load_memory(const void *data, size_t size, emoc_mtl_head *head,
                                      emoc_error *err);
void emoc_mtl_head_release(emoc_mtl_head *head);
emoc_status emoc_mtl_head_save_file(const emoc_mtl_head *head, const char *path,
                                    emoc_error *err);

/* Scratch (floats) needed by emoc_mtl_head_forward: H. */
size_t emoc_mtl_head_scratch_floats(const emoc_mtl_head *head);
/* One frame. n_x must equal head->in_dim, else EMOC_E_SHAPE with a message naming both widths
 * (a head trained for one backbone refuses another's features). Outputs: va[2], expr[8]
 * (probabilities, ABAW order as trained), au[12]; any may be NULL. */
emoc_status emoc_mtl_head_forward(const emoc_mtl_head *head, const float *x, int n_x,
                                  float *scratch, double *va, double *expr, double *au,
                                  emoc_error *err);

/* ---- MTL head training (§7.1) -------------------------------------------------------------- */

typedef struct emoc_train_opts {
    double lr;               /* Adam learning rate (1e-3) */
    int batch;               /* 512 */
    int epochs_expr, epochs_va, epochs_au;   /* 10, 20, 10 */
    double l2_expr, l2_va;   /* kernel L2 factors (1/batch as in §7.1) */
    int au_hidden;           /* 128 */
    uint64_t seed;
    int threads;             /* workers per batch for EXPR and AU (VA's CCC runs on one); the
                              * weights are bitwise reproducible for a given seed and count */
} emoc_train_opts;
void emoc_train_opts_default(emoc_train_opts *o);

typedef struct emoc_train_set {
    size_t n;
    int dim;                 /* D */
    const float *x;          /* n×D */
    emoc_mtl_labels labels;  /* labels.n == n */
} emoc_train_set;

typedef struct emoc_train_report {
    int best_epoch_expr, best_epoch_va, best_epoch_au;   /* 1-based */
    double best_f1_expr, best_p_va, best_f1_au;          /* on the validation set */
} emoc_train_report;

/* Bytes of scratch emoc_train_head needs (threads as in emoc_train_opts; ≤ 0 counts as 1). */
size_t emoc_train_scratch_size(int dim, int au_hidden, int batch, size_t n_train, size_t n_val,
                               int threads);
/* Trains the three heads of `head` (a view of the right size, e.g. from emoc_mtl_head_view;
 * initialised here from the seed) on train, keeping per head the epoch with the best
 * validation metric. Deterministic for a seed and thread count; threads > 1 start and join
 * pthreads per batch (no other allocation). */
emoc_status emoc_train_head(const emoc_train_opts *opt, const emoc_train_set *train,
                            const emoc_train_set *val, emoc_mtl_head *head, void *scratch,
                            size_t scratch_size, emoc_train_report *report, emoc_error *err);

#ifdef __cplusplus
}
#endif
#endif /* EMOC_H */
