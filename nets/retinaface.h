/*
 * retinaface.h — RetinaFace-MobileNet0.25 as biubug6/Pytorch_Retinaface detect.py runs it
 * (docs/detectors.md §2): the network plan for one input size (retinaface_net.c), the
 * post-processing (retinaface_post.c) and the detector back-end (retinaface.c).
 */
#ifndef EMOC_NETS_RETINAFACE_H
#define EMOC_NETS_RETINAFACE_H

#include "engine/core/plan.h"
#include "engine/emw/emw.h"

#include <stddef.h>
#include <stdint.h>

#define RF_HEAD_CH 32   /* per pixel: 2 anchors × (4 box + 2 class + 10 landmark) */
#define RF_BOX_OFF 0
#define RF_CLS_OFF 8
#define RF_LM_OFF 12

enum { RF_NONE = 0, RF_RELU = 1, RF_ACT = 2 };  /* activation after a conv */

typedef struct rf_plan_args {
    int h, w;       /* input size */
    int leaky;      /* 1: LeakyReLU(0.1) (slope tensors); 0: ReLU (retinaface_1mb) */
} rf_plan_args;

emoc_status rf_build_plan(emoc_pb *b, const emw_file *f);

/* Post-processing constants (EMW metadata written by the converter). */
typedef struct rf_config {
    int min_sizes[3][2];
    int steps[3];
    float variance[2];
    float conf_threshold;   /* scores > this enter the sort (float32 comparison, as numpy) */
    int top_k;
    float nms_threshold;    /* overlap ≤ this survives (float32) */
    int keep_top_k;
} rf_config;

/* Number of priors for an h×w image: Σ over levels ceil(h/step)·ceil(w/step)·2. */
size_t rf_prior_count(const rf_config *c, int h, int w);
/* priors[P][4] = (cx, cy, s_kx, s_ky) as layers/functions/prior_box.py computes them (double,
 * then rounded to float32 by torch.Tensor). */
void rf_priors(const rf_config *c, int h, int w, float *priors);

/* Raw outputs of one frame in upstream's layout (for conformance dumps and post-processing):
 * loc [P][4], conf [P][2] (softmax), landms [P][10]. */
void rf_gather_outputs(const float *const heads[3], const int hh[3], const int hw[3],
                       float *loc, float *conf, float *landms);

/* Scratch for the post-processing, P priors (cap = P). */
#define RF_KEPT_FLOATS(P) (5 * ((size_t)(P) + 8))
typedef struct rf_scratch {
    float *boxes;     /* [P][4] decoded candidates */
    float *landms;    /* [P][10] decoded candidates */
    float *scores;    /* [P] */
    float *dets;      /* [P][15] sorted candidates */
    float *kept;      /* RF_KEPT_FLOATS(P): x1, y1, x2, y2, area of the rows NMS kept */
    int *idx, *order2, *keep;
    size_t cap;
} rf_scratch;

/* detect.py from the heads (rf_gather_outputs' layout, read in place): softmax, scores >
 * conf_threshold, decode of those candidates only. Returns their count m (s->boxes, s->landms,
 * s->scores). */
int rf_select(const rf_config *c, int h, int w, const float *priors,
              const float *const heads[3], const int hh[3], const int hw[3], rf_scratch *s);
/* numpy argsort of the m scores (descending), top_k: fills s->dets; returns the row count k. */
int rf_sort_top_k(const rf_config *c, int m, rf_scratch *s);
/* py_cpu_nms over the k rows of dets, then keep_top_k: result r (in upstream's order, r < the
 * returned count) is the row of 15 floats dets + 15·s->keep[r]: x1 y1 x2 y2 score lm0x lm0y …
 * lm4x lm4y. */
int rf_nms(const rf_config *c, const float *dets, int k, rf_scratch *s);

/* Stage times of the last frame (ns) for `emoc bench` (tools/bench_detect.c): input
 * conversion, network, rf_select, rf_sort_top_k, rf_nms. */
typedef struct rf_timing {
    uint64_t prep, net, select, sort, nms;
} rf_timing;
/* On the state of emoc__retinaface_backend (nets/detector.h). */
const rf_timing *rf_last_timing(const void *state);
/* Per-op trace of the network in later frames (fn NULL: off). */
void rf_set_trace(void *state, emoc_trace_fn fn, void *user);
/* Ops in the network's plan for the last frame size (0 before the first frame). */
int rf_op_count(const void *state);
emoc_isa rf_isa(const void *state);     /* the kernel set the network runs */

/* numpy's default argsort (introsort "quicksort", float32, NaN last) of v[0..n): idx gets the
 * indices in ascending order with numpy's exact tie order. */
void rf_argsort_numpy(const float *v, int n, int *idx);

#endif
