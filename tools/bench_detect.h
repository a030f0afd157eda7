/*
 * bench_detect.h — `emoc bench -m DETECTOR.emw`: the whole detection of one frame (BlazeFace:
 * warp, network, decoding, NMS, projection), stage medians and shares, and with --per-op the
 * network's per-op table from the subnet trace hook (tools/bench_ops.h).
 */
#ifndef EMOC_TOOLS_BENCH_DETECT_H
#define EMOC_TOOLS_BENCH_DETECT_H

#include "emoc.h"

#include <stddef.h>

typedef struct bench_detect_args {
    const char *model;
    const char *image;          /* NULL: a seeded-noise 640×480 RGB frame */
    long threads, runs, warmup;
    int json, per;
    const emoc_options *opt;
} bench_detect_args;

/* buf/size: the model file's bytes (a face-detector EMW). Returns the CLI exit code. */
int bench_detector(const char *cmd, const bench_detect_args *a, const unsigned char *buf,
                   size_t size);

#endif
