/*
 * blazeface_backend.c — MediaPipe BlazeFace as emoc detector back-ends (nets/detector.h): one
 * entry per network file (short range, full range sparse, full range dense), each with the
 * graph's own minimum score (0.5 short, 0.6 full; docs/blazeface.md §4). The frame goes through
 * nets/blazeface_detect.c; faces narrower than min_face (default 0) are dropped afterwards.
 */
#include "nets/blazeface_detect.h"
#include "nets/detector.h"

#include "engine/core/error.h"

#include <stdlib.h>
#include <string.h>

#define BLAZE_MAX_FACES 4096

typedef struct blaze_backend_state {
    blaze_state *s;
    blaze_face faces[BLAZE_MAX_FACES];
} blaze_backend_state;

static void bb_close(void *state)
{
    blaze_backend_state *b = state;
    if (!b) return;
    blaze_close(b->s);
    free(b);
}

static emoc_status bb_open(const emw_file *f, const emoc_options *opt, void **state,
                           emoc_error *err)
{
    blaze_backend_state *b = calloc(1, sizeof *b);
    if (!b) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    emoc_status st = blaze_open(f, opt, 1, &b->s, err);
    if (st) {
        bb_close(b);
        return st;
    }
    *state = b;
    return EMOC_OK;
}

static emoc_status bb_detect(void *state, const emoc_image *rgb, const emoc_detect_options *o,
                             emoc_face *out, int cap, int *n, emoc_error *err)
{
    blaze_backend_state *b = state;
    int found = 0;
    *n = 0;
    emoc_status st = blaze_detect(b->s, rgb, o->threshold, b->faces, BLAZE_MAX_FACES, &found, err);
    if (st) return st;
    if (found > BLAZE_MAX_FACES) found = BLAZE_MAX_FACES;
    int k = 0;
    for (int i = 0; i < found; i++) {
        const blaze_face *f = &b->faces[i];
        if (o->min_face > 0 && !(f->x2 - f->x1 >= (float)o->min_face)) continue;
        if (k < cap) {
            emoc_face *e = &out[k];
            memset(e, 0, sizeof *e);
            e->x1 = f->x1;
            e->y1 = f->y1;
            e->x2 = f->x2;
            e->y2 = f->y2;
            e->score = f->score;
            e->n_landmarks = BLAZE_KEYPOINTS;
            for (int j = 0; j < BLAZE_KEYPOINTS; j++) {
                e->landmarks[j][0] = f->kp[j][0];
                e->landmarks[j][1] = f->kp[j][1];
            }
        }
        k++;
    }
    *n = k;
    return EMOC_OK;
}

#define BLAZE_BACKEND(name, arch_tag, thr)                                                     \
    const detector_backend name = {.arch = arch_tag, .n_landmarks = BLAZE_KEYPOINTS,           \
                                   .default_threshold = thr, .default_min_face = 0,            \
                                   .open = bb_open, .detect = bb_detect, .close = bb_close}

BLAZE_BACKEND(emoc_blazeface_short_backend, "blazeface_short", 0.5f);
BLAZE_BACKEND(emoc_blazeface_full_sparse_backend, "blazeface_full_sparse", 0.6f);
BLAZE_BACKEND(emoc_blazeface_full_backend, "blazeface_full", 0.6f);
