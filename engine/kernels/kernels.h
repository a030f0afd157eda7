/*
 * kernels.h — the kernel table: argument structs, function types and the per-ISA registration.
 *
 * Layout: activations are float32 NHWC with batch 1, so a tensor is a row-major [H·W][C] matrix
 * (channels contiguous). Pointwise (1×1) convolutions are GEMMs over pixels; depthwise kernels
 * vectorise across channels.
 *
 * Dispatch (docs/architecture.md R3): emoc__kernel_table_init() fills every slot with the scalar reference
 * (engine/kernels/<family>/<family>_ref.c), then lets each ISA up to the requested one override
 * slots it implements (engine/kernels/table_<isa>.c). Every slot is always valid.
 *
 * Threading contract: a kernel computes a sub-range of its output (rows of pixels, or a block of
 * output channels) and every output element is computed by exactly one call with the same
 * arithmetic whatever the split, so results are bitwise identical for any thread count. The
 * split points passed by the plan are multiples of the slot's declared tile (`nr` for GEMM).
 *
 * Kernel names (grammar, docs/architecture.md R4):
 *   emoc_f32_<op>[_<shape>]_<tile>__<isa>
 *     op    gemm | dwconv | conv2d | ...
 *     shape kernel/stride facts the code assumes, e.g. k3s2; omitted when generic
 *     tile  register tile, e.g. 4x32 (pixels × output channels), c16 (channels per vector), 1x1
 *     isa   ref | avx2 | avx512 | neon
 *   The activation is a run-time argument, so it is not part of the name.
 *   Example: emoc_f32_gemm_4x32__avx512, emoc_f32_dwconv_c16__avx512, emoc_f32_conv2d_1x1__ref.
 */
#ifndef EMOC_KERNELS_H
#define EMOC_KERNELS_H

#include "emoc.h"
#include <stddef.h>
#include <stdint.h>

typedef enum emoc_act {
    EMOC_ACT_NONE = 0,
    EMOC_ACT_RELU = 1,
    EMOC_ACT_SILU = 2,     /* x·sigmoid(x) */
    EMOC_ACT_PRELU = 3,    /* x ≥ 0 ? x : slope[c]·x (per output channel) */
    EMOC_ACT_SIGMOID = 4,
    EMOC_ACT_HSWISH = 5,   /* x·relu6(x+3)/6 */
    EMOC_ACT_SILU_LP = 6,  /* x/(1 + e), e = exp(−x) by a degree-4 polynomial: within 1e-5 of
                              SiLU, for bf16/int8 nets only (docs/precision.md §1.1) */
    EMOC_ACT_COUNT
} emoc_act;

/* ---------------------------------------------------------------------------------------------
 * GEMM / pointwise convolution
 *   y[p][n] = act( Σ_k x[p][k]·scale[k] · W[n][k] + bias[n] ) + residual[p][n]
 *   for p in [p0,p1), n in [n0,n1). x rows have stride x_stride floats (≥ K), y rows y_stride.
 *   scale (per input channel, the SE gate), bias, slope (PReLU, per output channel) and
 *   residual may be NULL. The residual is added after the activation.
 *   W is given to pack() as row-major [N][K]; every GEMM kernel reads the same packed form
 *   (panels of 32 output channels: engine/base/gemm_panels.h), which EMW 1.1 files also
 *   store, so a loaded weight is used where it lies.
 * ------------------------------------------------------------------------------------------- */
typedef struct emoc_gemm_args {
    const float *x;
    size_t x_stride;
    const float *w_packed;
    const float *scale;
    const float *bias;
    const float *slope;
    const float *residual;
    size_t r_stride;
    float *y;
    size_t y_stride;
    int K, N;
    emoc_act act;
} emoc_gemm_args;

typedef void (*emoc_gemm_fn)(const emoc_gemm_args *a, size_t p0, size_t p1, int n0, int n1);
typedef size_t (*emoc_gemm_packed_size_fn)(int K, int N);          /* in floats */
typedef void (*emoc_gemm_pack_fn)(const float *w, int K, int N, float *packed);

typedef struct emoc_gemm_kernel {
    const char *name;
    emoc_gemm_fn fn;
    emoc_gemm_packed_size_fn packed_size;
    emoc_gemm_pack_fn pack;
    int nr;   /* n0/n1 split points are multiples of nr (except n1 == N) */
} emoc_gemm_kernel;

/* ---------------------------------------------------------------------------------------------
 * Reduced-precision GEMM / pointwise convolution (docs/precision.md): weights stored as bf16 or
 * as int8 with a per-output-channel scale; activations converted once per op by quant():
 *   bf16: xq[p][k] = bf16_rne(x[p][k]·scale[k])   (round to nearest even, denormals → ±0)
 *         y = act(Σ_k xq·wq accumulated in fp32 + bias[n]) + residual
 *   int8: xq[p][k] = clamp(rne(x[p][k]·scale[k]·inv[p]), −127, 127)     (symmetric, s8)
 *         acc = Σ_k xq·wq (int32, exact);
 *         y = act(((float)acc·row_sx[p])·dq[n] + bias[n]) + residual   (two roundings, this order)
 *         One activation scale per tensor (static, calibrated: quant's inv_sx > 0): inv[p] =
 *         inv_sx, row_sx[p] = 1 (exact) and dq[n] = sx·sw[n]. One per row (inv_sx == 0, "row-max"):
 *         row_sx[p] = max_k|x[p][k]·scale[k]|/127 (1 when that max is 0; NaN ignored),
 *         inv[p] = 1/row_sx[p], and dq[n] = sw[n] (emoc__i8_row_sx in gemm_lp/lp_scalar.h).
 * quant() writes rows [p0,p1) of xq (row stride xq_stride bytes ≥ row_bytes(K)) in the kernel's
 * own activation format, padding zeroed, and (int8) row_sx[p0..p1) indexed by absolute p;
 * fn() reads only that form, row_sx and the packed weights.
 * pack() takes row-major [N][K] bf16 bits (uint16_t) or int8; packed_size() is in bytes.
 * The int8 sum is exact, so every ISA's int8 kernel equals the reference bit for bit (up to
 * the SIMD activation polynomials); bf16 kernels may add the pair products in another order.
 * ------------------------------------------------------------------------------------------- */
typedef struct emoc_gemm_lp_args {
    const void *xq;
    size_t xq_stride;            /* bytes */
    const void *w_packed;
    const float *dq;             /* int8: per output channel; bf16: unused */
    const float *row_sx;         /* int8: per pixel row, written by quant(); bf16: unused */
    const float *bias;
    const float *slope;
    const float *residual;
    size_t r_stride;
    float *y;
    size_t y_stride;
    int K, N;
    emoc_act act;
} emoc_gemm_lp_args;

typedef void (*emoc_gemm_lp_fn)(const emoc_gemm_lp_args *a, size_t p0, size_t p1, int n0, int n1);
typedef void (*emoc_lp_quant_fn)(const float *x, size_t x_stride, const float *scale,
                                 float inv_sx, float *row_sx, int K, void *xq, size_t xq_stride,
                                 size_t p0, size_t p1);
typedef size_t (*emoc_lp_bytes_fn)(int K, int N);
typedef void (*emoc_lp_pack_fn)(const void *w, int K, int N, void *packed);

typedef struct emoc_gemm_lp_kernel {
    const char *name;
    emoc_gemm_lp_fn fn;
    emoc_lp_quant_fn quant;
    size_t (*row_bytes)(int K);  /* bytes of one quantized activation row */
    emoc_lp_bytes_fn packed_size;
    emoc_lp_pack_fn pack;
    int nr;                      /* n0/n1 split points are multiples of nr (except n1 == N) */
} emoc_gemm_lp_kernel;

/* ---------------------------------------------------------------------------------------------
 * Depthwise convolution (one filter per channel), NHWC.
 *   Input pixel (iy,ix) channel c at x[(iy·iw + ix)·x_pstride + c], c in [0,c).
 *   Output likewise with y_pstride, so a channel sub-range of a wider tensor (mixed depthwise)
 *   is addressed by offsetting x/y and passing the full pixel strides.
 *   Weights w[(ky·kw + kx)·c + c'] (channel fastest), bias[c], slope[c] (PReLU) may be NULL.
 *   Padding: pad_t/pad_l zero rows/columns before the input; the bottom/right padding is
 *   whatever oh/ow imply (asymmetric TF-SAME included). Computes output rows [oy0, oy1).
 * ------------------------------------------------------------------------------------------- */
typedef struct emoc_dwconv_args {
    const float *x;
    int ih, iw, c;
    size_t x_pstride;
    const float *w;
    const float *bias;
    const float *slope;
    float *y;
    int oh, ow;
    size_t y_pstride;
    int kh, kw, sh, sw, pad_t, pad_l;
    emoc_act act;
} emoc_dwconv_args;

typedef void (*emoc_dwconv_fn)(const emoc_dwconv_args *a, int oy0, int oy1);

typedef struct emoc_dwconv_kernel {
    const char *name;
    emoc_dwconv_fn fn;
} emoc_dwconv_kernel;

/* ---------------------------------------------------------------------------------------------
 * Full / grouped convolution (the stems, MobileFaceNet's grouped 3×3), NHWC.
 *   Weights w[o][ky][kx][ci] with ci in [0, cin/groups) (packed by pack(); the reference
 *   layout is this one, from PyTorch's [cout][cin/g][kh][kw]).
 *   Output channel o belongs to group o / (cout/groups). Computes output rows [oy0, oy1).
 * ------------------------------------------------------------------------------------------- */
typedef struct emoc_conv2d_args {
    const float *x;
    int ih, iw, cin;
    const float *w_packed;
    const float *bias;
    const float *slope;
    float *y;
    int oh, ow, cout;
    int kh, kw, sh, sw, pad_t, pad_l, groups;
    emoc_act act;
} emoc_conv2d_args;

typedef void (*emoc_conv2d_fn)(const emoc_conv2d_args *a, int oy0, int oy1);
/* w is [cout][kh][kw][cin/groups]. */
typedef size_t (*emoc_conv2d_packed_size_fn)(int cout, int kh, int kw, int cin_g, int groups);
typedef void (*emoc_conv2d_pack_fn)(const float *w, int cout, int kh, int kw, int cin_g,
                                    int groups, float *packed);

typedef struct emoc_conv2d_kernel {
    const char *name;
    emoc_conv2d_fn fn;
    emoc_conv2d_packed_size_fn packed_size;
    emoc_conv2d_pack_fn pack;
} emoc_conv2d_kernel;

/* ---------------------------------------------------------------------------------------------
 * Elementwise activation in place over n floats with per-channel slope (PReLU) of period c.
 * ------------------------------------------------------------------------------------------- */
typedef void (*emoc_act_fn)(float *x, size_t n, int c, const float *slope, emoc_act act);

typedef struct emoc_act_kernel {
    const char *name;
    emoc_act_fn fn;
} emoc_act_kernel;

/* ---------------------------------------------------------------------------------------------
 * Elementwise (BlazeFace's residual adds and pools, engine/ops/blazeops.c):
 *   add_act: y[i] = act(a[i] + b[i]) for i < n (PReLU acts with slope 0); y may be a or b.
 *   max2x2:  2×2 window, stride 2, no padding, NHWC input H×W×C (H ≥ 2·oy1), output rows
 *            [oy0, oy1) of (W/2)×C: m = x00; if (x01 > m) m = x01; if (x10 > m) m = x10;
 *            if (x11 > m) m = x11 (that comparison order: NaNs and signed zeros as written).
 * ------------------------------------------------------------------------------------------- */
typedef struct emoc_eltwise_kernel {
    const char *name;
    void (*add_act)(const float *a, const float *b, float *y, size_t n, emoc_act act);
    void (*max2x2)(const float *x, int W, int C, float *y, int oy0, int oy1);
} emoc_eltwise_kernel;

/* ---------------------------------------------------------------------------------------------
 * Global average pool, NHWC, the sum part: y[c] = Σ_p x[p][c] over P pixels of C channels
 * (pixel stride C), in increasing pixel order, for channels [c0, c1). The gap op
 * (engine/core/ops.c) sums fixed chunks of pixel rows so and scales the sum of the chunks' sums.
 * ------------------------------------------------------------------------------------------- */
typedef void (*emoc_gap_fn)(const float *x, size_t P, size_t C, float *y, size_t c0, size_t c1);

typedef struct emoc_gap_kernel {
    const char *name;
    emoc_gap_fn fn;
} emoc_gap_kernel;

/* ---------------------------------------------------------------------------------------------
 * Coordinate attention (DDAMFN, engine/ops/coordatt.c), NHWC, batch 1. A strip [H+W][C] holds
 * the per-row values then the per-column values.
 *   pool: strip = row means over W / column means over H (kh == NULL), or learned (1×W)/(H×1)
 *         depthwise convs kh [W][C], kw [H][C] + biases bh, bw; channels [c0, c1).
 *   apply: rows [h0, h1) of y = x · g[H+w] · g[h]; ddam_apply: y = x · max(g0_w·g0_h, g1_w·g1_h).
 * Each variant performs the reference's operations in the same order (bitwise-identical).
 * ------------------------------------------------------------------------------------------- */
typedef void (*emoc_coord_pool_fn)(const float *x, int H, int W, int C, const float *kh,
                                   const float *bh, const float *kw, const float *bw,
                                   float *strip, int c0, int c1);
typedef void (*emoc_coord_apply_fn)(const float *x, const float *g, int H, int W, int C,
                                    float *y, int h0, int h1);
typedef void (*emoc_ddam_apply_fn)(const float *x, const float *g0, const float *g1, int H, int W,
                                   int C, float *y, int h0, int h1);

typedef struct emoc_coordatt_kernel {
    const char *pool_mean_name, *pool_dw_name, *apply_name, *ddam_apply_name;
    emoc_coord_pool_fn pool;
    emoc_coord_apply_fn apply;
    emoc_ddam_apply_fn ddam_apply;
} emoc_coordatt_kernel;

/* ---------------------------------------------------------------------------------------------
 * GroupNorm with one group (MobileViTv2's GroupNorm1), NHWC: statistics over the whole tensor,
 * per-channel affine. The op (engine/ops/mobilevit.c) cuts the tensor into fixed chunks of
 * EMOC_GN_CHUNK floats whatever the thread count, sums each chunk with `sum`, then with `sqdev`
 * (two passes: mean, then Σ(x − mean)²), adds the chunk sums in chunk order in double, and calls
 * `apply` on pixel ranges:  y[p][c] = (x[p][c] − mean)·a[c] + beta[c]   (a = γ·rstd).
 * ------------------------------------------------------------------------------------------- */
#define EMOC_GN_CHUNK 8192
typedef double (*emoc_gn_sum_fn)(const float *x, size_t n);
typedef double (*emoc_gn_sqdev_fn)(const float *x, size_t n, float mean);
typedef void (*emoc_gn_apply_fn)(const float *x, size_t C, float mean, const float *a,
                                 const float *beta, float *y, size_t p0, size_t p1);

typedef struct emoc_groupnorm_kernel {
    const char *name;
    emoc_gn_sum_fn sum;
    emoc_gn_sqdev_fn sqdev;
    emoc_gn_apply_fn apply;
} emoc_groupnorm_kernel;

/* ---------------------------------------------------------------------------------------------
 * Separable linear self-attention of MobileViTv2 on the unfolded 2×2 patches, without moving
 * data: qkv is the NHWC output of the 1×1 qkv projection, H×W (both even) pixels of 1 + 2d
 * channels (q = channel 0, k = 1..d, v = d+1..2d). Pixel (y, x) is in-patch position
 * p = (y mod 2)·2 + (x mod 2) and patch n = (y/2)·(W/2) + x/2 (timm's unfold).
 *   scores  (emoc__linattn_scores, shared scalar code): s[p][n] = softmax over n of q
 *   context ctx[p][c] = Σ_n k[p,n][c]·s[p][n], summed in increasing n, channels [c0, c1)
 *   apply   y[pix][c] = max(v[pix][c], 0)·ctx[p(pix)][c] for rows [y0, y1), y of d channels
 * ------------------------------------------------------------------------------------------- */
typedef void (*emoc_linattn_context_fn)(const float *qkv, int H, int W, int d, const float *s,
                                        float *ctx, int c0, int c1);
typedef void (*emoc_linattn_apply_fn)(const float *qkv, int H, int W, int d, const float *ctx,
                                      float *y, int y0, int y1);

typedef struct emoc_linattn_kernel {
    const char *name;
    emoc_linattn_context_fn context;
    emoc_linattn_apply_fn apply;
} emoc_linattn_kernel;

/* s[4][N] from q (channel 0 of qkv); max-subtracted, expf, divided by the sum (double). */
void emoc__linattn_scores(const float *qkv, int H, int W, int d, float *s);

/* ---------------------------------------------------------------------------------------------
 * Bilinear resize with align_corners (PyTorch upsample_bilinear2d, ONNX Resize linear
 * align_corners), NHWC, C channels: source coordinate = dst·(in − 1)/(out − 1) in float,
 * weights as PyTorch computes them; y = lh0·(lw0·x00 + lw1·x01) + lh1·(lw0·x10 + lw1·x11).
 * Computes output rows [oy0, oy1).
 * ------------------------------------------------------------------------------------------- */
typedef void (*emoc_resize_fn)(const float *x, int ih, int iw, int C, float *y, int oh, int ow,
                               int oy0, int oy1);

typedef struct emoc_resize_kernel {
    const char *name;
    emoc_resize_fn bilinear_ac;
} emoc_resize_kernel;

/* Source index, neighbour offset and weights of output index i (shared by every ISA). */
void emoc__resize_ac_coeff(int in, int out, int i, int *i0, int *i1, float *l0, float *l1);

/* ---------------------------------------------------------------------------------------------
 * The table. Add a slot here when a new op family lands; set its reference in
 * emoc__kernel_table_init().
 * ------------------------------------------------------------------------------------------- */
typedef struct emoc_kernel_table {
    emoc_isa isa;
    emoc_gemm_kernel gemm;
    emoc_gemm_lp_kernel gemm_bf16;
    emoc_gemm_lp_kernel gemm_i8;
    emoc_dwconv_kernel dwconv;
    emoc_conv2d_kernel conv2d;
    emoc_act_kernel act;
    emoc_gap_kernel gap;
    emoc_coordatt_kernel coordatt;
    emoc_groupnorm_kernel groupnorm;
    emoc_linattn_kernel linattn;
    emoc_resize_kernel resize;
    emoc_eltwise_kernel eltwise;
} emoc_kernel_table;

/* Fills `t` with reference kernels, then overrides with every ISA up to `isa` (which must be
 * supported by this build and CPU: see emoc_isa_resolve). */
void emoc__kernel_table_init(emoc_kernel_table *t, emoc_isa isa);

/* Reference kernels (engine/kernels/<family>/<family>_ref.c). */
extern const emoc_gemm_kernel emoc_f32_gemm_ref;
extern const emoc_gemm_lp_kernel emoc_bf16_gemm_ref;
extern const emoc_gemm_lp_kernel emoc_i8_gemm_ref;
extern const emoc_dwconv_kernel emoc_f32_dwconv_ref;
extern const emoc_conv2d_kernel emoc_f32_conv2d_ref;
extern const emoc_act_kernel emoc_f32_act_ref;
extern const emoc_gap_kernel emoc_f32_gap_ref;
extern const emoc_coordatt_kernel emoc_f32_coordatt_ref;
extern const emoc_groupnorm_kernel emoc_f32_groupnorm_ref;
extern const emoc_linattn_kernel emoc_f32_linattn_ref;
extern const emoc_resize_kernel emoc_f32_resize_ref;
extern const emoc_eltwise_kernel emoc_f32_eltwise_ref;

/* The GEMM weight layout every GEMM kernel reads (engine/kernels/gemm/gemm_pack.c); each
 * kernel's packed_size/pack slots point to these. */
size_t emoc__gemm_packed_floats(int K, int N);
void emoc__gemm_pack_panels(const float *w, int K, int N, float *packed);

/* Scalar activation shared by every reference kernel (and by SIMD tails). */
float emoc__act_scalar(float v, emoc_act act, float slope);

/* EMOC_ACT_SILU_LP (kernels.c states the formula; docs/precision.md §1.1): the coefficients
 * of its 2^f polynomial, c0 + c1·f + c2·f² + c3·f³ + c4·f⁴, fitted for relative error on
 * [−1/2, 1/2] (max 2.7e-6 in float), shared by the reference and the SIMD variants. */
#define EMOC_SILU_LP_C0 0.99999928474f
#define EMOC_SILU_LP_C1 0.69312179089f
#define EMOC_SILU_LP_C2 0.24024744332f
#define EMOC_SILU_LP_C3 0.05591783673f
#define EMOC_SILU_LP_C4 0.00957007986f
float emoc__silu_lp_scalar(float x);

/* Per-ISA overrides (engine/kernels/table_<isa>.c); only compiled for their architecture. */
void emoc__kernel_table_avx2(emoc_kernel_table *t);
void emoc__kernel_table_avx512(emoc_kernel_table *t);
/* x86-64 only: AVX-512 extensions the reduced-precision kernels use (table_avx512.c). */
int emoc__cpu_has_avx512bf16(void);
int emoc__cpu_has_avx512vnni(void);
void emoc__kernel_table_neon(emoc_kernel_table *t);

#endif /* EMOC_KERNELS_H */
