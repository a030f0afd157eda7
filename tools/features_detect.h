/*
 * features_detect.h — `emoc features --detect DETECTOR.emw`: the faces of every frame found by the
 * detector, each cropped the EmotiEffLib way (emoc_face_crop_box) and run through the model; one
 * feature row per face with face = the detector's face index and its box and det_score as
 * `emoc detect` reports them (feature file version 2, post/FEATURES.md; fs->has_box must be
 * set), which `emoc ce --faces largest|max|mean` pools. A frame without a face gets no row, as a
 * frame without a box always had.
 */
#ifndef EMOC_TOOLS_FEATURES_DETECT_H
#define EMOC_TOOLS_FEATURES_DETECT_H

#include "tools/abaw/abaw_io.h"
#include "tools/abaw/features_io.h"
#include "tools/input/inputs.h"
#include "tools/progress.h"

typedef struct features_detect_cfg {
    const char *cmd;
    emoc_detector *det;
    const emoc_detect_options *opt;
    emoc_session *sess;
    const emoc_model_info *info;
    emoc_resize_mode mode;
    int quiet;
    /* optional: after each frame (with or without rows), e.g. --resume's bookkeeping */
    void (*frame_done)(void *user, const char *input, const char *video);
    void *user;
} features_detect_cfg;

/* Runs every item of it; returns the number of frames or faces that failed (no row). */
long features_detect_run(const features_detect_cfg *c, emoc__input_iter *it, feat_set *fs,
                         abaw_names *names, progress *pg);

#endif
