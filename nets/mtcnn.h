/*
 * mtcnn.h — MTCNN as facenet-pytorch's MTCNN.detect runs it (docs/detectors.md §1): the
 * sub-network builders (nets/mtcnn_nets.c), the image resampling (nets/mtcnn_resample.c) and
 * the back-end (nets/mtcnn.c).
 */
#ifndef EMOC_NETS_MTCNN_H
#define EMOC_NETS_MTCNN_H

#include "engine/core/plan.h"
#include "nets/detector.h"

/* PNet's user argument: int[2] = {input height, input width}. */
emoc_status emoc_mtcnn_build_pnet(emoc_pb *b, const emw_file *f);
emoc_status emoc_mtcnn_build_rnet(emoc_pb *b, const emw_file *f);
emoc_status emoc_mtcnn_build_onet(emoc_pb *b, const emw_file *f);

/* torch.nn.functional.interpolate(mode="area") (= adaptive average pooling) of the RGB8 region
 * rows [y0, y0+ch), cols [x0, x0+cw) of img (stride = row bytes) to oh×ow, followed by MTCNN's
 * normalisation (v − 127.5)·0.0078125, written NHWC float32. Each output averages rows
 * [⌊i·ch/oh⌋, ⌈(i+1)·ch/oh⌉) and the same for columns, summing in row-major order and dividing
 * by the row count then the column count, in float32, as PyTorch does. */
void emoc_mtcnn_area_resample(const uint8_t *img, size_t stride, int x0, int y0, int cw, int ch,
                              int oh, int ow, float *out);

/* The scale pyramid: scales m·0.709^k, m = 12/min_face, while min(h,w)·m·0.709^k ≥ 12 (double
 * precision, as upstream). Returns the count (≤ cap). */
int emoc_mtcnn_scales(int width, int height, int min_face, double *scales, int cap);

#endif
