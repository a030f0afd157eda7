/*
 * mobilefacenet.h — the one description of MobileFaceNet's trunk (nets/mobilefacenet.c), read
 * by the graph builder there, the ONNX matcher (weights/convert_onnx_mbf.c) and the checkpoint
 * mapping (weights/convert_pth_mbf.c).
 */
#ifndef EMOC_NETS_MOBILEFACENET_H
#define EMOC_NETS_MOBILEFACENET_H

#define EMOC__MBF_STAGES 3
#define EMOC__MBF_SIZE 112       /* input resolution */

/* Stage s: DepthWise features.layers.<index> (stride 2, cin → cout through `groups` expanded
 * channels), then Residual features.layers.<index + 1> of `blocks` stride-1 DepthWise blocks
 * (cout → cout through cout). */
typedef struct emoc__mbf_stage {
    int index, blocks, cin, groups, cout;
} emoc__mbf_stage;

extern const emoc__mbf_stage emoc__mbf_stages[EMOC__MBF_STAGES];

#endif
