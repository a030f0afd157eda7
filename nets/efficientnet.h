/*
 * efficientnet.h — the one description of EfficientNet-B0 / B2 (timm tf_efficientnet_b0_ns /
 * b2_ns; layer by layer in the top comment of nets/efficientnet.c): the stage table lives in
 * nets/efficientnet.c and is read both by the graph builder there and by the ONNX matcher
 * (weights/convert_onnx_enet.c).
 */
#ifndef EMOC_NETS_EFFICIENTNET_H
#define EMOC_NETS_EFFICIENTNET_H

#define EMOC__ENET_STAGES 7
#define EMOC__ENET_STEM 32       /* stem conv output channels (both variants) */
#define EMOC__ENET_MAX_BLOCKS 32 /* above the 23 blocks of B2 */

typedef struct emoc__enet_variant {
    const char *name;            /* "b0", "b2" (metadata emoc.variant) */
    int size;                    /* the published input resolution */
    int head;                    /* conv_head output channels */
    int reps[EMOC__ENET_STAGES]; /* blocks per stage */
    int outs[EMOC__ENET_STAGES]; /* output channels per stage */
} emoc__enet_variant;

/* One block "blocks.<stage>.<idx>", as the variant's table implies it. */
typedef struct emoc__enet_block {
    int stage, idx;
    int k, stride, expand;       /* expand 1: depthwise-separable (stage 0), 6: inverted residual */
    int cin, mid, rd, cout;      /* mid = cin·expand; rd = SE reduced width */
    int skip;                    /* residual: stride 1 and cin == cout */
} emoc__enet_block;

extern const emoc__enet_variant emoc__enet_variants[];
extern const int emoc__enet_n_variants;

/* NULL when the name is not a known variant. */
const emoc__enet_variant *emoc__enet_variant_find(const char *name);
/* Fills out[0..n) (n ≤ EMOC__ENET_MAX_BLOCKS) with the variant's blocks in order; returns n. */
int emoc__enet_blocks(const emoc__enet_variant *v, emoc__enet_block *out);

#endif
