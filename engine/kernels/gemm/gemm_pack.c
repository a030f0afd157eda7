/* gemm_pack.c — the GEMM weight packing all GEMM kernels share (layout: engine/base/gemm_panels.h). */
#include "engine/base/gemm_panels.h"
#include "engine/kernels/kernels.h"

size_t emoc__gemm_packed_floats(int K, int N) { return emoc__gemm_packed_size(K, N); }

void emoc__gemm_pack_panels(const float *w, int K, int N, float *packed)
{
    emoc__gemm_pack(w, K, N, packed);
}
