/*
 * blazeface.h — the layer records of a BlazeFace EMW (emoc.arch "blazeface"), shared by the
 * converter (weights/convert_tflite.c writes them) and the net builder (nets/blazeface.c reads
 * and validates them). docs/blazeface.md describes the networks.
 *
 * Metadata "blaze.layers" is an i64 array of EMOC_BLAZE_FIELDS values per layer. Values are
 * numbered: 0 = the network input (S×S×3), k + 1 = the output of layer k. Layer k's weights are
 * "layer<k>.weight" ([cout][cin/groups][kh][kw], PyTorch order) and "layer<k>.bias" ([cout]).
 * The last layer is OUTPUT: the plan's output is [regressors N×16][classificators N] flat.
 */
#ifndef EMOC_NETS_BLAZEFACE_H
#define EMOC_NETS_BLAZEFACE_H

enum emoc_blaze_kind {
    EMOC_BLAZE_CONV = 1,        /* a; kh, kw, stride, pads t/l/b/r, act (0 none, 1 relu) */
    EMOC_BLAZE_DWCONV = 2,      /* same fields, depth multiplier 1 */
    EMOC_BLAZE_ADD = 3,         /* a + b (same shape), act */
    EMOC_BLAZE_RELU = 4,        /* a */
    EMOC_BLAZE_PAD = 5,         /* a; zero pads t/l/b/r spatially, c_front (kh), c_back (extra) */
    EMOC_BLAZE_MAXPOOL = 6,     /* a; 2×2 window, stride 2, no padding */
    EMOC_BLAZE_RESIZE = 7,      /* a; bilinear to kh × kw, extra = half_pixel_centers */
    EMOC_BLAZE_DEPTH2SPACE = 8, /* a; extra = block size */
    EMOC_BLAZE_CONCAT = 9,      /* a, b flattened and concatenated (anchors), extra = row width */
    EMOC_BLAZE_OUTPUT = 10,     /* a = regressors (N×16), b = classificators (N×1), extra = N */
    EMOC_BLAZE_KIND_END
};

/* Field positions inside one record. */
enum { EMOC_BLAZE_F_KIND, EMOC_BLAZE_F_A, EMOC_BLAZE_F_B, EMOC_BLAZE_F_ACT, EMOC_BLAZE_F_KH,
       EMOC_BLAZE_F_KW, EMOC_BLAZE_F_STRIDE, EMOC_BLAZE_F_PT, EMOC_BLAZE_F_PL, EMOC_BLAZE_F_PB,
       EMOC_BLAZE_F_PR, EMOC_BLAZE_F_EXTRA, EMOC_BLAZE_FIELDS };

#define EMOC_BLAZE_MAX_LAYERS 1024
#define EMOC_BLAZE_REG 16         /* regressor values per anchor: box 4 + 6 keypoints × 2 */

#endif
