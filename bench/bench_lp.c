/*
 * bench_lp.c — times the passes of the reduced-precision GEMM op (docs/precision.md §1) on the
 * pointwise / linear shapes of EfficientNet-B0 at 224 (docs/models.md §1.4), next to the fp32
 * GEMM of the same shape: per shape the least thread CPU time (µs) over the runs of
 *   f32        the fp32 GEMM slot (SE gate and SiLU as in B0)
 *   bf16_q     the bf16 slot's quant() (x·gate → bf16 rows)      bf16_g  its fn()
 *   i8_q_row   the int8 slot's quant() under the row-max rule     i8_q_cal  with a stored scale
 *   i8_g       the int8 slot's fn()
 * and the B0 sums (each shape times its count). The minimum of thread CPU time is what stays
 * comparable on a shared host (bench_kernels.c says why). Outside CI; `make bench-lp`.
 *
 * Usage: bench_lp [--isa ref|avx2|avx512|neon] [--runs N]     (default: best ISA, 25 runs)
 */
#include "emoc.h"
#include "engine/kernels/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct shape {
    const char *name;
    int P, K, N, se, residual;
    emoc_act act;
    int count; /* occurrences in B0 */
} shape;

static const shape B0[] = {
    {"b0.0.pw", 12544, 32, 16, 1, 0, EMOC_ACT_NONE, 1},
    {"b1.0.exp", 12544, 16, 96, 0, 0, EMOC_ACT_SILU, 1},
    {"b1.0.proj", 3136, 96, 24, 1, 0, EMOC_ACT_NONE, 1},
    {"b1.1.exp", 3136, 24, 144, 0, 0, EMOC_ACT_SILU, 2},
    {"b1.1.proj", 3136, 144, 24, 1, 1, EMOC_ACT_NONE, 1},
    {"b2.0.proj", 784, 144, 40, 1, 0, EMOC_ACT_NONE, 1},
    {"b2.1.exp", 784, 40, 240, 0, 0, EMOC_ACT_SILU, 2},
    {"b2.1.proj", 784, 240, 40, 1, 1, EMOC_ACT_NONE, 1},
    {"b3.0.proj", 196, 240, 80, 1, 0, EMOC_ACT_NONE, 1},
    {"b3.x.exp", 196, 80, 480, 0, 0, EMOC_ACT_SILU, 3},
    {"b3.x.proj", 196, 480, 80, 1, 1, EMOC_ACT_NONE, 2},
    {"b4.0.proj", 196, 480, 112, 1, 0, EMOC_ACT_NONE, 1},
    {"b4.x.exp", 196, 112, 672, 0, 0, EMOC_ACT_SILU, 3},
    {"b4.x.proj", 196, 672, 112, 1, 1, EMOC_ACT_NONE, 2},
    {"b5.0.proj", 49, 672, 192, 1, 0, EMOC_ACT_NONE, 1},
    {"b5.x.exp", 49, 192, 1152, 0, 0, EMOC_ACT_SILU, 4},
    {"b5.x.proj", 49, 1152, 192, 1, 1, EMOC_ACT_NONE, 3},
    {"b6.0.proj", 49, 1152, 320, 1, 0, EMOC_ACT_NONE, 1},
    {"head", 49, 320, 1280, 0, 0, EMOC_ACT_SILU, 1},
};

static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *xalloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!p) {
        fprintf(stderr, "bench_lp: out of memory\n");
        exit(1);
    }
    return p;
}

static float *filled(size_t n, unsigned seed)
{
    float *p = xalloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
    }
    return p;
}

enum { T_F32, T_BQ, T_BG, T_IQROW, T_IQCAL, T_IG, T_COUNT };

static void time_shape(const emoc_kernel_table *t, const shape *s, int runs, double best[T_COUNT])
{
    const size_t P = (size_t)s->P, K = (size_t)s->K, N = (size_t)s->N;
    float *x = filled(P * K, 1), *w = filled(K * N, 2), *bias = filled(N, 3), *y = filled(P * N, 5);
    float *gate = s->se ? filled(K, 4) : NULL, *res = s->residual ? filled(P * N, 6) : NULL;
    float *dq = filled(N, 7), *row_sx = xalloc(P * sizeof(float));
    for (size_t n = 0; n < N; n++) dq[n] = dq[n] * dq[n] * 1e-3f;
    float *wf = xalloc(t->gemm.packed_size(s->K, s->N) * sizeof(float));
    t->gemm.pack(w, s->K, s->N, wf);
    uint16_t *wb = xalloc(K * N * 2);
    int8_t *wi = xalloc(K * N);
    for (size_t i = 0; i < K * N; i++) {
        uint32_t u;
        memcpy(&u, &w[i], 4);
        wb[i] = (uint16_t)(u >> 16);
        wi[i] = (int8_t)(w[i] * 127.0f);
    }
    void *pb = xalloc(t->gemm_bf16.packed_size(s->K, s->N)), *pi = xalloc(t->gemm_i8.packed_size(s->K, s->N));
    t->gemm_bf16.pack(wb, s->K, s->N, pb);
    t->gemm_i8.pack(wi, s->K, s->N, pi);
    size_t rb = (t->gemm_bf16.row_bytes(s->K) + 63) & ~(size_t)63;
    size_t ri = (t->gemm_i8.row_bytes(s->K) + 63) & ~(size_t)63;
    void *xb = xalloc(rb * P), *xi = xalloc(ri * P);
    emoc_act act = s->act;
    emoc_gemm_args ga = {x, K, wf, gate, bias, NULL, res, N, y, N, s->K, s->N, act};
    emoc_gemm_lp_args gb = {xb, rb, pb, NULL, NULL, bias, NULL, res, N, y, N, s->K, s->N, act};
    emoc_gemm_lp_args gi = {xi, ri, pi, dq, row_sx, bias, NULL, res, N, y, N, s->K, s->N, act};
    for (int k = 0; k < T_COUNT; k++) best[k] = 1e300;
    for (int r = -2; r < runs; r++) {
        double c[T_COUNT + 1];
        c[0] = thread_cpu_ns();
        t->gemm.fn(&ga, 0, P, 0, s->N);
        c[1] = thread_cpu_ns();
        t->gemm_bf16.quant(x, K, gate, 0.0f, NULL, s->K, xb, rb, 0, P);
        c[2] = thread_cpu_ns();
        t->gemm_bf16.fn(&gb, 0, P, 0, s->N);
        c[3] = thread_cpu_ns();
        t->gemm_i8.quant(x, K, gate, 0.5f, row_sx, s->K, xi, ri, 0, P);
        c[4] = thread_cpu_ns();
        t->gemm_i8.quant(x, K, gate, 0.0f, row_sx, s->K, xi, ri, 0, P);
        c[5] = thread_cpu_ns();
        t->gemm_i8.fn(&gi, 0, P, 0, s->N);
        c[6] = thread_cpu_ns();
        const int order[T_COUNT] = {T_F32, T_BQ, T_BG, T_IQCAL, T_IQROW, T_IG};
        if (r >= 0)
            for (int k = 0; k < T_COUNT; k++)
                if (c[k + 1] - c[k] < best[order[k]]) best[order[k]] = c[k + 1] - c[k];
    }
    free(x); free(w); free(bias); free(y); free(gate); free(res); free(dq); free(row_sx);
    free(wf); free(wb); free(wi); free(pb); free(pi); free(xb); free(xi);
}

int main(int argc, char **argv)
{
    int runs = 25;
    emoc_isa isa = emoc_isa_detect();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
            if (emoc_isa_parse(argv[++i], &isa) != EMOC_OK) {
                fprintf(stderr, "bench_lp: unknown ISA '%s'\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_lp [--isa ref|avx2|avx512|neon] [--runs N]\n");
            return 2;
        }
    }
    if (runs < 1) runs = 1;
    emoc_kernel_table t;
    emoc__kernel_table_init(&t, isa);
    printf("# %s: %s, %s; least thread CPU µs of %d runs\n", emoc_isa_name(isa), t.gemm_bf16.name,
           t.gemm_i8.name, runs);
    printf("%-10s %6s %5s %5s %9s %9s %9s %9s %9s %9s\n", "shape", "P", "K", "N", "f32", "bf16_q",
           "bf16_g", "i8_q_row", "i8_q_cal", "i8_g");
    double sum[T_COUNT] = {0};
    for (size_t l = 0; l < sizeof B0 / sizeof B0[0]; l++) {
        double b[T_COUNT];
        time_shape(&t, &B0[l], runs, b);
        printf("%-10s %6d %5d %5d", B0[l].name, B0[l].P, B0[l].K, B0[l].N);
        for (int k = 0; k < T_COUNT; k++) {
            printf(" %9.1f", b[k] / 1e3);
            sum[k] += b[k] * B0[l].count;
        }
        printf("\n");
        fflush(stdout);
    }
    printf("%-10s %6s %5s %5s", "b0-sum", "", "", "");
    for (int k = 0; k < T_COUNT; k++) printf(" %9.1f", sum[k] / 1e3);
    printf("\n");
    return 0;
}
