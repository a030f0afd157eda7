/*
 * convert.h — converters from published model files to EMW (weights/FORMAT.md).
 *
 * emoc__convert_onnx(): parses an ONNX file (weights/onnx.h) and tries each registered
 * architecture matcher in turn (weights/convert_onnx.c holds the list). A matcher recognises its
 * network by walking the graph's compute nodes in topological order against the net's own op
 * sequence — never by initializer names, which the exporter auto-generates after BN folding —
 * and writes metadata + tensors under emoc's own names. When no matcher accepts the graph, the
 * error is the one of the matcher that got furthest: it names the first node that did not match
 * and what was expected there.
 *
 * emoc__convert_pth(): PyTorch checkpoints (weights/convert_pth*.c, separate owner).
 *
 * Both write into a caller-created emw_writer; the caller serialises it. The dispatcher adds
 * source.file, source.sha256 and converter.version itself.
 */
#ifndef EMOC_WEIGHTS_CONVERT_H
#define EMOC_WEIGHTS_CONVERT_H

#include "emoc.h"
#include "engine/emw/emw.h"
#include "weights/onnx.h"

#define EMOC_CONVERTER_VERSION "emoc-convert 0.1"

typedef struct emoc_convert_opts {
    emw_dtype dtype;            /* EMW_F32 or EMW_F16 for weights (rank ≥ 2); biases stay f32 */
    const char *source_name;    /* file name as given (its basename names the model), or NULL */
} emoc_convert_opts;

emoc_status emoc__convert_onnx(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                              emw_writer *w, emoc_error *err);
emoc_status emoc__convert_pth(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                             emw_writer *w, emoc_error *err);
/* Serialises the writer to memory and loads it in place as a model, with every check of a normal
 * load (the layout and dtype passes ask the plan builder how tensors are read). Fails only when
 * the writer cannot serialise (err); a file that does not load as a network gives *m = NULL and
 * the load's status and reason in load_st and lerr. The caller frees *m, then *buf. (weights/convert_layout.c) */
emoc_status emoc__convert_build(emw_writer *w, uint8_t **buf, emoc_model **m,
                                emoc_status *load_st, emoc_error *lerr, emoc_error *err);
/* After a conversion: stores the tensors the network reads only as GEMM or depthwise weights in
 * the layouts those kernels read (EMW 1.1, weights/FORMAT.md §4.1); *n_packed counts them. A
 * writer that does not build as a network is left as it is. (weights/convert_layout.c) */
emoc_status emoc__convert_kernel_layout(emw_writer *w, int *n_packed, emoc_error *err);
/* After a conversion (before the layout pass): stores the weights of every pointwise conv and
 * linear layer as `dtype` (EMW_BF16 or EMW_I8; EMW 1.2, weights/FORMAT.md §4.2) and writes the
 * quant.* metadata. int8 with n_calib = 0: one activation scale per pixel row at run time
 * ("row-max", EMW 1.3); with n_calib ≥ 1 preprocessed inputs (NCHW, 3·S·S floats each, S the
 * network's input size), run through emoc's fp32 plan, one calibrated activation scale per
 * layer ("calibrated", EMW 1.2) (weights/convert_lp.c). */
emoc_status emoc__convert_reduced(emw_writer *w, emw_dtype dtype, const float *calib,
                                  size_t n_calib, emoc_error *err);
/* MediaPipe BlazeFace .tflite files (weights/convert_tflite.c, weights/TFLITE.md). */
emoc_status emoc__convert_tflite(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                                emw_writer *w, emoc_error *err);

/* facenet-pytorch MTCNN: its three checkpoints (pnet.pt, rnet.pt, onet.pt, any order) → one
 * detector EMW (weights/convert_pth_mtcnn.c). n must be 3. */
emoc_status emoc__convert_mtcnn(const uint8_t *const *bufs, const size_t *sizes,
                               const char *const *names, int n, const emoc_convert_opts *opts,
                               emw_writer *w, emoc_error *err);

/* The same with an explicit architecture choice (`emoc convert --arch`): NULL recognises it
 * from the tensors; "retinaface_1mb" is Face-Detector-1MB's network, which has the same tensor
 * names as RetinaFace-MobileNet0.25 and can only be told apart by the user. */
emoc_status emoc__convert_pth_arch(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                                  const char *arch, emw_writer *w, emoc_error *err);

/* ---- for matchers (weights/convert_onnx_<arch>.c) ---------------------------------------- */

/* A matcher returns EMOC_OK after writing everything, or an error with `err` set and
 * *progress = how many compute nodes it matched before failing (the dispatcher reports the
 * furthest). It must not touch the writer before the whole graph has matched. */
typedef emoc_status (*emoc_onnx_matcher_fn)(const emoc_onnx_graph *g,
                                            const emoc_convert_opts *opts, emw_writer *w,
                                            int *progress, emoc_error *err);

typedef struct emoc_onnx_matcher {
    const char *arch;
    emoc_onnx_matcher_fn match;
} emoc_onnx_matcher;

emoc_status emoc__onnx_match_efficientnet(const emoc_onnx_graph *g, const emoc_convert_opts *opts,
                                          emw_writer *w, int *progress, emoc_error *err);
emoc_status emoc__onnx_match_mobilevit(const emoc_onnx_graph *g, const emoc_convert_opts *opts,
                                       emw_writer *w, int *progress, emoc_error *err);
emoc_status emoc__onnx_match_mobilefacenet(const emoc_onnx_graph *g, const emoc_convert_opts *opts,
                                           emw_writer *w, int *progress, emoc_error *err);

/* Model name from the source file name: the basename without directories and extension, if it
 * is one of `known` (NULL-terminated); else NULL. */
const char *emoc__convert_known_name(const char *source_name, const char *const *known,
                                     char *buf, size_t buflen);
/* Writes a tensor given as float32, storing it as opts->dtype when rank ≥ 2 (f32 otherwise). */
emoc_status emoc__convert_add_tensor(emw_writer *w, const emoc_convert_opts *opts, const char *name,
                                     int rank, const int64_t *dims, const float *data,
                                     emoc_error *err);

#endif /* EMOC_WEIGHTS_CONVERT_H */
