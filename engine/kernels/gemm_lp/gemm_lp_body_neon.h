/*
 * gemm_lp_body_neon.h — the NEON reduced-precision GEMM driver and 8×8 micro-kernel, included
 * by gemm_lp_neon.c for bf16 (widening FMA) and int8 (SDOT). The includer defines LP_ATTR,
 * LP_PREFIX, LP_ACC_T, LP_ZERO, LP_STEP(acc, g, w) (acc += the products of the 32-bit
 * activation group g and w, 4 channels' groups as 16 bytes) and LP_FINISH(acc, p, n, m) (float32x4_t
 * before bias, of pixel row p, channels n.., m valid). Packed panels: [Kg][8][4 bytes] (a last panel of ≤ 4 channels is 4 wide).
 * Pixel tails re-read the last valid row (computed, never stored).
 */
#define LP_CAT2(a, b) a##b
#define LP_CAT(a, b) LP_CAT2(a, b)

static inline __attribute__((always_inline)) LP_ATTR void
LP_CAT(LP_PREFIX, tile)(const emoc_gemm_lp_args *a, size_t p, int mr, size_t p_last, int n,
                        int nw, const int nv)
{
    const size_t Kg = (size_t)(a->K + LP_KPG - 1) / LP_KPG;
    const int width = 4 * nv;
    const unsigned char *wp = (const unsigned char *)a->w_packed + (size_t)n * Kg * 4u;
    const unsigned char *xr[8];
    LP_ACC_T acc[8][2];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        size_t row = p + (size_t)i <= p_last ? p + (size_t)i : p_last;
        xr[i] = (const unsigned char *)a->xq + row * a->xq_stride;
        acc[i][0] = LP_ZERO;
        acc[i][1] = LP_ZERO;
    }
    for (size_t kg = 0; kg < Kg; kg++) {
        const unsigned char *wk = wp + kg * (size_t)width * 4u;
        uint8x16_t w0 = vld1q_u8(wk);
        uint8x16_t w1 = nv == 2 ? vld1q_u8(wk + 16) : vdupq_n_u8(0);
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            uint32_t g;
            memcpy(&g, xr[i] + kg * 4, 4);
            LP_STEP(acc[i][0], g, w0);
            if (nv == 2) LP_STEP(acc[i][1], g, w1);
        }
    }
    const int m[2] = {nw < 4 ? nw : 4, nw - 4};
    float32x4_t bias[2], slope[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        bias[v] = a->bias ? emoc__ld_part(a->bias + n + 4 * v, m[v]) : vdupq_n_f32(0.0f);
        slope[v] = a->act == EMOC_ACT_PRELU && a->slope ? emoc__ld_part(a->slope + n + 4 * v, m[v])
                                                        : vdupq_n_f32(0.0f);
    }
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        if (i >= mr) break;
        float *yr = a->y + (p + (size_t)i) * a->y_stride + n;
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            float32x4_t r = LP_FINISH(acc[i][v], p + (size_t)i, n + 4 * v, m[v]);
            if (a->bias) r = vaddq_f32(r, bias[v]);
            r = emoc__act_neon(r, a->act, slope[v]);
            if (a->residual)
                r = vaddq_f32(r, emoc__ld_part(a->residual + (p + (size_t)i) * a->r_stride + n + 4 * v, m[v]));
            if (m[v] == 4) vst1q_f32(yr + 4 * v, r);
            else emoc__st_part(yr + 4 * v, r, m[v]);
        }
    }
}

static LP_ATTR void LP_CAT(LP_PREFIX, gemm)(const emoc_gemm_lp_args *a, size_t p0, size_t p1,
                                            int n0, int n1)
{
    if (p1 <= p0 || n1 <= n0) return;
    for (size_t p = p0; p < p1; p += 8) {
        int mr = p1 - p < 8 ? (int)(p1 - p) : 8;
        for (int n = n0; n < n1; n += 8) {
            int nw = n1 - n < 8 ? n1 - n : 8;
            if (nw > 4) LP_CAT(LP_PREFIX, tile)(a, p, mr, p1 - 1, n, nw, 2);
            else LP_CAT(LP_PREFIX, tile)(a, p, mr, p1 - 1, n, nw, 1);
        }
    }
}
