/*
 * detector.h — the face-detector back-end interface and registry (DETECTOR contract; public
 * side in include/emoc.h). One back-end per detector family; nets/detector.c validates the EMW,
 * picks the back-end by "emoc.arch", checks frames and options, and calls it.
 *
 * A back-end builds its sub-network plans through engine/core/subnet.h (one plan per input size
 * it meets, cached) and shares box helpers through nets/detect_common.h.
 */
#ifndef EMOC_NETS_DETECTOR_H
#define EMOC_NETS_DETECTOR_H

#include "emoc.h"
#include "weights/emw.h"

typedef struct detector_backend {
    const char *arch;            /* EMW "emoc.arch" value it serves */
    int n_landmarks;
    float default_threshold;
    int default_min_face;
    /* Builds per-detector state from a validated EMW (which outlives the state). */
    emoc_status (*open)(const emw_file *f, const emoc_options *opt, void **state,
                        emoc_error *err);
    /* rgb: 3 channels, size already checked against EMOC_DETECT_MAX_SIDE; o has defaults
     * filled in (threshold ≥ 0, min_face ≥ 0). */
    emoc_status (*detect)(void *state, const emoc_image *rgb, const emoc_detect_options *o,
                          emoc_face *out, int cap, int *n, emoc_error *err);
    void (*close)(void *state);
    /* Optional (NULL): raw network output k of the last frame (conformance dumps): its name,
     * rows × cols floats. Returns 0 when there is no output k. */
    int (*raw)(void *state, int k, const char **name, const float **data, size_t *rows,
               int *cols);
} detector_backend;

/* The back-end for an architecture tag, or NULL. */
const detector_backend *detector_find(const char *arch);
/* Comma-separated list of the detector architectures in this build (for messages). */
const char *detector_arch_list(void);

/* Raw output k of the detector's last frame (detector_backend.raw), 0 if none. */
int emoc__detector_raw(const emoc_detector *d, int k, const char **name, const float **data,
                       size_t *rows, int *cols);

extern const detector_backend emoc_mtcnn_backend;
/* RetinaFace-MobileNet0.25 (nets/retinaface.c). */
extern const detector_backend emoc_retinaface_backend;
/* MediaPipe BlazeFace (nets/blazeface_backend.c). */
extern const detector_backend emoc_blazeface_short_backend;
extern const detector_backend emoc_blazeface_full_sparse_backend;
extern const detector_backend emoc_blazeface_full_backend;

#endif
