/* linattn_avx512.c — AVX-512 separable linear attention (kernels.h; reference linattn_ref.c).
 * context: per block of 16 channels, four accumulators (one per in-patch position) walk the
 * pixels in memory order, i.e. each position's patches in increasing n as the reference does;
 * apply: max(v, 0)·ctx, one multiply (bit-identical to the reference). Masked channel tails. */
#include "engine/kernels/simd_avx512.h"

static void context_avx512(const float *qkv, int H, int W, int d, const float *s, float *ctx,
                           int c0, int c1)
{
    size_t ps = 1 + 2 * (size_t)d;
    int N = (H / 2) * (W / 2);
    for (int c = c0; c < c1; c += 16) {
        __mmask16 k = emoc__m512_tail(c1 - c);
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                         _mm512_setzero_ps()};
        for (int y = 0; y < H; y++) {
            const float *sr0 = s + (size_t)((y & 1) * 2) * N + (size_t)(y >> 1) * (W >> 1);
            const float *sr1 = sr0 + N;
            const float *row = qkv + (size_t)y * W * ps + 1 + c;
            __m512 *a0 = &acc[(y & 1) * 2], *a1 = a0 + 1;
            for (int x = 0; x + 1 < W; x += 2) {
                __m512 k0 = _mm512_maskz_loadu_ps(k, row + (size_t)x * ps);
                __m512 k1 = _mm512_maskz_loadu_ps(k, row + (size_t)(x + 1) * ps);
                *a0 = _mm512_fmadd_ps(k0, _mm512_set1_ps(sr0[x >> 1]), *a0);
                *a1 = _mm512_fmadd_ps(k1, _mm512_set1_ps(sr1[x >> 1]), *a1);
            }
        }
        for (int p = 0; p < 4; p++) _mm512_mask_storeu_ps(ctx + (size_t)p * d + c, k, acc[p]);
    }
}

static void apply_avx512(const float *qkv, int H, int W, int d, const float *ctx, float *y,
                         int y0, int y1)
{
    (void)H;
    size_t ps = 1 + 2 * (size_t)d;
    const __m512 zero = _mm512_setzero_ps();
    for (int yy = y0; yy < y1; yy++)
        for (int x = 0; x < W; x++) {
            const float *v = qkv + ((size_t)yy * W + x) * ps + 1 + d;
            const float *cp = ctx + (size_t)((yy & 1) * 2 + (x & 1)) * d;
            float *py = y + ((size_t)yy * W + x) * d;
            int c = 0;
            for (; c + 16 <= d; c += 16)
                _mm512_storeu_ps(py + c, _mm512_mul_ps(_mm512_max_ps(_mm512_loadu_ps(v + c), zero),
                                                       _mm512_loadu_ps(cp + c)));
            if (c < d) {
                __mmask16 k = emoc__m512_tail(d - c);
                _mm512_mask_storeu_ps(py + c, k,
                                      _mm512_mul_ps(_mm512_max_ps(_mm512_maskz_loadu_ps(k, v + c), zero),
                                                    _mm512_maskz_loadu_ps(k, cp + c)));
            }
        }
}

const emoc_linattn_kernel emoc_f32_linattn_c16__avx512 = {"emoc_f32_linattn_c16__avx512",
                                                          context_avx512, apply_avx512};
