/*
 * gemm_lp_body_avx512.h — the AVX-512 reduced-precision GEMM driver and 8×32 micro-kernel,
 * included by gemm_bf16_avx512.c (twice: AVX512_BF16 vdpbf16ps and a widening fallback) and by
 * gemm_i8_avx512.c (AVX-512 VNNI vpdpbusd). The includer defines:
 *   LP_ATTR              function attribute (the target feature of the inner instruction)
 *   LP_PREFIX            name prefix of the generated functions
 *   LP_G                 k per group (2 bf16 pairs, 4 int8 quads); packed panels [Kg][width][G]
 *   LP_ESIZE             bytes per element
 *   LP_STEP(acc, x32, w) acc (__m512 or __m512i) += the group products of x32 (one 32-bit
 *                        group of the activation row, broadcast) and w (16 channels' groups)
 *   LP_ACC_T, LP_ZERO    accumulator type and zero
 *   LP_INIT(n, m)        the accumulators' start for channels n..n+15 (mask m): LP_ZERO, or
 *                        for int8 −comp[n] (the weight-sum correction, folded in once per
 *                        tile instead of subtracted per row)
 *   LP_FINISH(acc, p, n, v) __m512 value of accumulator `acc` of pixel row p for channels
 *                        n + 16·v (before bias)
 * Loop order as gemm/gemm_avx512.c: pixel chunks of ~256 KiB of activations, panel by panel,
 * 8-row tiles; a pixel tail re-reads the last valid row (computed, never stored); one row uses a
 * 1-row variant. Each output is the same chain over the k groups whatever the split.
 */
#define LP_CAT2(a, b) a##b
#define LP_CAT(a, b) LP_CAT2(a, b)

static inline __attribute__((always_inline)) LP_ATTR void
LP_CAT(LP_PREFIX, tile)(const emoc_gemm_lp_args *a, size_t p, int mr, size_t p_last, int n,
                        int nw, const int nv, const int rows)
{
    const size_t Kg = (size_t)(a->K + LP_G - 1) / LP_G;
    const int width = 16 * nv;
    const unsigned char *wp = (const unsigned char *)a->w_packed + LP_WOFF +
                              (size_t)n * Kg * LP_G * LP_ESIZE;
    const unsigned char *xr[8];
    LP_ACC_T acc[8][2];
    __mmask16 m[2] = {emoc__m512_tail(nw), emoc__m512_tail(nw - 16)};
    const LP_ACC_T init0 = LP_INIT(n, m[0]), init1 = nv == 2 ? LP_INIT(n + 16, m[1]) : LP_ZERO;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        size_t row = p + (size_t)i <= p_last ? p + (size_t)i : p_last;
        xr[i] = (const unsigned char *)a->xq + row * a->xq_stride;
        acc[i][0] = init0;
        acc[i][1] = init1;
    }
    for (size_t kg = 0; kg < Kg; kg++) {
        const unsigned char *wk = wp + kg * (size_t)width * LP_G * LP_ESIZE;
        __m512i w0 = _mm512_loadu_si512(wk);
        __m512i w1 = nv == 2 ? _mm512_loadu_si512(wk + 64) : _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int i = 0; i < rows; i++) {
            int32_t g;
            memcpy(&g, xr[i] + kg * 4, 4);
            __m512i xb = _mm512_set1_epi32(g);
            LP_STEP(acc[i][0], xb, w0);
            if (nv == 2) LP_STEP(acc[i][1], xb, w1);
        }
    }
    __m512 bias[2], slope[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        bias[v] = a->bias ? _mm512_maskz_loadu_ps(m[v], a->bias + n + 16 * v) : _mm512_setzero_ps();
        slope[v] = a->act == EMOC_ACT_PRELU && a->slope
                       ? _mm512_maskz_loadu_ps(m[v], a->slope + n + 16 * v)
                       : _mm512_setzero_ps();
    }
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        if (i >= mr || i >= rows) break;
        float *yr = a->y + (p + (size_t)i) * a->y_stride + n;
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            __m512 r = LP_FINISH(acc[i][v], p + (size_t)i, n, v);
            if (a->bias) r = _mm512_add_ps(r, bias[v]);
            r = emoc__act512(r, a->act, slope[v]);
            if (a->residual)
                r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(
                                         m[v], a->residual + (p + (size_t)i) * a->r_stride + n + 16 * v));
            _mm512_mask_storeu_ps(yr + 16 * v, m[v], r);
        }
    }
}

static LP_ATTR void LP_CAT(LP_PREFIX, gemm)(const emoc_gemm_lp_args *a, size_t p0, size_t p1,
                                            int n0, int n1)
{
    if (p1 <= p0 || n1 <= n0) return;
    size_t mc = (256u * 1024u) / (a->xq_stride ? a->xq_stride : 1);
    mc = mc < 8 ? 8 : mc - mc % 8;
    for (size_t pc = p0; pc < p1; pc += mc) {
        size_t pc1 = p1 - pc < mc ? p1 : pc + mc;
        for (int n = n0; n < n1; n += 32) {
            int nw = n1 - n < 32 ? n1 - n : 32;
            for (size_t p = pc; p < pc1; p += 8) {
                int mr = pc1 - p < 8 ? (int)(pc1 - p) : 8;
                if (mr == 1) {
                    if (nw > 16) LP_CAT(LP_PREFIX, tile)(a, p, 1, p, n, nw, 2, 1);
                    else LP_CAT(LP_PREFIX, tile)(a, p, 1, p, n, nw, 1, 1);
                } else if (nw > 16) {
                    LP_CAT(LP_PREFIX, tile)(a, p, mr, pc1 - 1, n, nw, 2, 8);
                } else {
                    LP_CAT(LP_PREFIX, tile)(a, p, mr, pc1 - 1, n, nw, 1, 8);
                }
            }
        }
    }
}
