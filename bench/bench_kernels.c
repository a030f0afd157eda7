/*
 * bench_kernels.c — times each kernel slot per ISA on the real layer shapes of EfficientNet-B0 at
 * 224 (docs/models.md §1.4: stem, every block's expand / depthwise / project, the head) and
 * prints CSV: isa,kernel,layer,op,shape,mflop,median_ns,gflops. The last rows per ISA sum the
 * medians over one B0 forward pass (kernels only, one thread; SE, pooling and the classifier
 * are not included).
 *
 * Usage: bench_kernels [--isa ref|avx2|avx512|neon] [--runs N] [--layer PREFIX] [--act none|silu]
 *                      [--cold] [--gemm P,K,N[,s][,r] ...] [--conv H,W,CIN,COUT,K,S ...]
 *                      [--dw H,W,C,K,S ...]
 * (default: every ISA ≤ detected, 21 timed runs after 3 warm-up runs, every layer, SiLU on the
 * expand / depthwise / stem layers as in B0; --act none drops it to isolate the epilogue cost;
 * --cold evicts the caches before every timed call, as in a forward pass;
 * --gemm times the given GEMM shapes instead of B0's layers: P pixels, K inputs, N outputs,
 * `s` an SE gate (then no activation, as in the nets' projections), `r` a residual; repeatable;
 * --conv H,W,CIN,COUT,K,S times a full convolution of that input size, channels, kernel, stride,
 * --dw H,W,C,K,S a depthwise one).
 * The last two columns are the least thread CPU time of the runs and its GFLOP/s: on a shared
 * machine the minimum of many runs, not counting time spent waiting for a core, is the steadier
 * figure for comparing two kernels.
 */
#include "emoc.h"
#include "engine/kernels/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { OP_GEMM, OP_DW, OP_CONV } op_kind;

typedef struct layer {
    const char *name;
    op_kind op;
    int h, w;     /* input spatial size */
    int cin, cout;
    int k, s;     /* dw/conv kernel and stride */
    int scale, residual;
    int count;    /* how many times the layer occurs in B0 */
} layer;

/* EfficientNet-B0 at 224 (stride-2 layers use TF-SAME padding, stride 1 symmetric). */
static const layer B0[] = {
    {"stem", OP_CONV, 224, 224, 3, 32, 3, 2, 0, 0, 1},
    {"b0.0.dw", OP_DW, 112, 112, 32, 32, 3, 1, 0, 0, 1},
    {"b0.0.pw", OP_GEMM, 112, 112, 32, 16, 1, 1, 1, 0, 1},
    {"b1.0.exp", OP_GEMM, 112, 112, 16, 96, 1, 1, 0, 0, 1},
    {"b1.0.dw", OP_DW, 112, 112, 96, 96, 3, 2, 0, 0, 1},
    {"b1.0.proj", OP_GEMM, 56, 56, 96, 24, 1, 1, 1, 0, 1},
    {"b1.1.exp", OP_GEMM, 56, 56, 24, 144, 1, 1, 0, 0, 1},
    {"b1.1.dw", OP_DW, 56, 56, 144, 144, 3, 1, 0, 0, 1},
    {"b1.1.proj", OP_GEMM, 56, 56, 144, 24, 1, 1, 1, 1, 1},
    {"b2.0.exp", OP_GEMM, 56, 56, 24, 144, 1, 1, 0, 0, 1},
    {"b2.0.dw", OP_DW, 56, 56, 144, 144, 5, 2, 0, 0, 1},
    {"b2.0.proj", OP_GEMM, 28, 28, 144, 40, 1, 1, 1, 0, 1},
    {"b2.1.exp", OP_GEMM, 28, 28, 40, 240, 1, 1, 0, 0, 1},
    {"b2.1.dw", OP_DW, 28, 28, 240, 240, 5, 1, 0, 0, 1},
    {"b2.1.proj", OP_GEMM, 28, 28, 240, 40, 1, 1, 1, 1, 1},
    {"b3.0.exp", OP_GEMM, 28, 28, 40, 240, 1, 1, 0, 0, 1},
    {"b3.0.dw", OP_DW, 28, 28, 240, 240, 3, 2, 0, 0, 1},
    {"b3.0.proj", OP_GEMM, 14, 14, 240, 80, 1, 1, 1, 0, 1},
    {"b3.x.exp", OP_GEMM, 14, 14, 80, 480, 1, 1, 0, 0, 3},
    {"b3.x.dw", OP_DW, 14, 14, 480, 480, 3, 1, 0, 0, 2},
    {"b3.x.proj", OP_GEMM, 14, 14, 480, 80, 1, 1, 1, 1, 2},
    {"b4.0.dw", OP_DW, 14, 14, 480, 480, 5, 1, 0, 0, 1},
    {"b4.0.proj", OP_GEMM, 14, 14, 480, 112, 1, 1, 1, 0, 1},
    {"b4.x.exp", OP_GEMM, 14, 14, 112, 672, 1, 1, 0, 0, 3},
    {"b4.x.dw", OP_DW, 14, 14, 672, 672, 5, 1, 0, 0, 2},
    {"b4.x.proj", OP_GEMM, 14, 14, 672, 112, 1, 1, 1, 1, 2},
    {"b5.0.dw", OP_DW, 14, 14, 672, 672, 5, 2, 0, 0, 1},
    {"b5.0.proj", OP_GEMM, 7, 7, 672, 192, 1, 1, 1, 0, 1},
    {"b5.x.exp", OP_GEMM, 7, 7, 192, 1152, 1, 1, 0, 0, 4},
    {"b5.x.dw", OP_DW, 7, 7, 1152, 1152, 5, 1, 0, 0, 3},
    {"b5.x.proj", OP_GEMM, 7, 7, 1152, 192, 1, 1, 1, 1, 3},
    {"b6.0.dw", OP_DW, 7, 7, 1152, 1152, 3, 1, 0, 0, 1},
    {"b6.0.proj", OP_GEMM, 7, 7, 1152, 320, 1, 1, 1, 0, 1},
    {"head", OP_GEMM, 7, 7, 320, 1280, 1, 1, 0, 0, 1},
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time of this thread: unlike the wall clock it does not count the time the thread waited
 * for a core, so on a busy machine its minimum over many runs still measures the kernel. */
static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float *filled(size_t n, unsigned seed)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xFFFF) / 65536.0f - 0.5f;
    }
    return p;
}

/* TF-SAME for stride 2, symmetric k/2 for stride 1. */
static void same_pad(int in, int k, int s, int *out, int *before)
{
    *out = (in + s - 1) / s;
    int total = (*out - 1) * s + k - in;
    *before = total < 0 ? 0 : (s == 1 ? k / 2 : total / 2);
}

/* Runs one layer `runs` times; returns the median wall time in ns and sets *flop, *kname and
 * *min_ns (the least thread CPU time of the runs). */
/* --cold: before each timed call, write this many bytes so weights and activations come from
 * DRAM / far cache as in a forward pass, where every layer's weights are used once. */
#define COLD_BYTES (64u << 20)
static unsigned char *g_cold;

static void evict_caches(void)
{
    if (!g_cold) return;
    for (size_t i = 0; i < COLD_BYTES; i += 64) g_cold[i]++;
}

static double time_layer(const emoc_kernel_table *t, const layer *L, int runs, emoc_act act,
                         double *flop, const char **kname, double *min_ns)
{
    double *ts = malloc(sizeof(double) * (size_t)runs), *cpu = malloc(sizeof(double) * (size_t)runs);
    if (!ts || !cpu) exit(1);
    const size_t P = (size_t)L->h * (size_t)L->w;
    float *x = filled(P * (size_t)L->cin, 1), *y = NULL, *w = NULL, *packed = NULL, *bias = NULL,
          *scale = NULL, *res = NULL;
    emoc_gemm_args ga;
    emoc_dwconv_args da;
    emoc_conv2d_args ca;
    int oh = 0, ow = 0, pt = 0, pl = 0;
    bias = filled((size_t)L->cout, 3);
    switch (L->op) {
    case OP_GEMM:
        w = filled((size_t)L->cin * (size_t)L->cout, 2);
        packed = malloc(t->gemm.packed_size(L->cin, L->cout) * sizeof(float));
        if (!packed) exit(1);
        t->gemm.pack(w, L->cin, L->cout, packed);
        scale = L->scale ? filled((size_t)L->cin, 4) : NULL;
        y = filled(P * (size_t)L->cout, 5);
        res = L->residual ? filled(P * (size_t)L->cout, 6) : NULL;
        ga = (emoc_gemm_args){x, (size_t)L->cin, packed, scale, bias, NULL, res, (size_t)L->cout, y,
                              (size_t)L->cout, L->cin, L->cout, L->scale ? EMOC_ACT_NONE : act};
        *flop = 2.0 * (double)P * L->cin * L->cout;
        *kname = t->gemm.name;
        break;
    case OP_DW:
        same_pad(L->h, L->k, L->s, &oh, &pt);
        same_pad(L->w, L->k, L->s, &ow, &pl);
        w = filled((size_t)L->k * (size_t)L->k * (size_t)L->cin, 2);
        y = filled((size_t)oh * (size_t)ow * (size_t)L->cin, 5);
        da = (emoc_dwconv_args){x, L->h, L->w, L->cin, (size_t)L->cin, w, bias, NULL, y, oh, ow,
                                (size_t)L->cin, L->k, L->k, L->s, L->s, pt, pl, act};
        *flop = 2.0 * (double)oh * ow * L->cin * L->k * L->k;
        *kname = t->dwconv.name;
        break;
    case OP_CONV:
        same_pad(L->h, L->k, L->s, &oh, &pt);
        same_pad(L->w, L->k, L->s, &ow, &pl);
        w = filled((size_t)L->cout * (size_t)L->k * (size_t)L->k * (size_t)L->cin, 2);
        packed = malloc(t->conv2d.packed_size(L->cout, L->k, L->k, L->cin, 1) * sizeof(float));
        if (!packed) exit(1);
        t->conv2d.pack(w, L->cout, L->k, L->k, L->cin, 1, packed);
        y = filled((size_t)oh * (size_t)ow * (size_t)L->cout, 5);
        ca = (emoc_conv2d_args){x, L->h, L->w, L->cin, packed, bias, NULL, y, oh, ow, L->cout,
                                L->k, L->k, L->s, L->s, pt, pl, 1, act};
        *flop = 2.0 * (double)oh * ow * L->cout * L->k * L->k * L->cin;
        *kname = t->conv2d.name;
        break;
    }
    for (int r = -3; r < runs; r++) {
        evict_caches();
        double c0 = thread_cpu_ns(), t0 = now_ns();
        if (L->op == OP_GEMM) t->gemm.fn(&ga, 0, P, 0, L->cout);
        else if (L->op == OP_DW) t->dwconv.fn(&da, 0, oh);
        else t->conv2d.fn(&ca, 0, oh);
        double t1 = now_ns(), c1 = thread_cpu_ns();
        if (r >= 0) ts[r] = t1 - t0, cpu[r] = c1 - c0;
    }
    qsort(ts, (size_t)runs, sizeof(double), cmp_double);
    qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
    double med = ts[runs / 2];
    *min_ns = cpu[0];
    free(ts); free(cpu); free(x); free(y); free(w); free(packed); free(bias); free(scale); free(res);
    return med;
}

static const char *op_name(op_kind k) { return k == OP_GEMM ? "gemm" : k == OP_DW ? "dwconv" : "conv2d"; }

/* --gemm P,K,N[,s][,r]: one GEMM shape (named "gemm<i>") appended to *shapes. */
static int parse_gemm(const char *spec, layer *L, char *name, size_t name_size, int index)
{
    int P = 0, K = 0, N = 0, used = 0;
    if (sscanf(spec, "%d,%d,%d%n", &P, &K, &N, &used) != 3 || P < 1 || K < 1 || N < 1) return -1;
    *L = (layer){name, OP_GEMM, P, 1, K, N, 1, 1, 0, 0, 1};
    for (const char *f = spec + used; *f; f++) {
        if (*f == ',') continue;
        else if (*f == 's') L->scale = 1;
        else if (*f == 'r') L->residual = 1;
        else return -1;
    }
    snprintf(name, name_size, "gemm%d", index);
    return 0;
}

/* --conv H,W,CIN,COUT,K,S: one full convolution shape (named "conv<i>") appended to *shapes;
 * --dw H,W,C,K,S: one depthwise shape ("dw<i>"). */
static int parse_conv(const char *spec, int depthwise, layer *L, char *name, size_t name_size, int index)
{
    int h = 0, w = 0, ci = 0, co = 0, k = 0, s = 0;
    int n = depthwise ? sscanf(spec, "%d,%d,%d,%d,%d", &h, &w, &ci, &k, &s) + 1
                      : sscanf(spec, "%d,%d,%d,%d,%d,%d", &h, &w, &ci, &co, &k, &s);
    if (depthwise) co = ci;
    if (n != 6 || h < 1 || w < 1 || ci < 1 || co < 1 || k < 1 || s < 1) return -1;
    *L = (layer){name, depthwise ? OP_DW : OP_CONV, h, w, ci, co, k, s, 0, 0, 1};
    snprintf(name, name_size, "%s%d", depthwise ? "dw" : "conv", index);
    return 0;
}

int main(int argc, char **argv)
{
    enum { MAX_SHAPES = 64 };
    static layer shapes[MAX_SHAPES];
    static char shape_names[MAX_SHAPES][16];
    int n_shapes = 0;
    int runs = 21;
    emoc_isa only = EMOC_ISA_AUTO;
    const char *layer_prefix = "";
    emoc_act act = EMOC_ACT_SILU;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
            if (emoc_isa_parse(argv[++i], &only) != EMOC_OK) {
                fprintf(stderr, "bench_kernels: unknown ISA '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--cold")) {
            g_cold = calloc(COLD_BYTES, 1);
            if (!g_cold) return 1;
        } else if (!strcmp(argv[i], "--gemm") && i + 1 < argc) {
            i++;
            if (n_shapes == MAX_SHAPES ||
                parse_gemm(argv[i], &shapes[n_shapes], shape_names[n_shapes], sizeof shape_names[0],
                           n_shapes) != 0) {
                fprintf(stderr, "bench_kernels: --gemm wants P,K,N[,s][,r] (at most %d), not '%s'\n",
                        MAX_SHAPES, argv[i]);
                return 2;
            }
            n_shapes++;
        } else if ((!strcmp(argv[i], "--conv") || !strcmp(argv[i], "--dw")) && i + 1 < argc) {
            const int dw = !strcmp(argv[i++], "--dw");
            if (n_shapes == MAX_SHAPES ||
                parse_conv(argv[i], dw, &shapes[n_shapes], shape_names[n_shapes], sizeof shape_names[0],
                           n_shapes) != 0) {
                fprintf(stderr, "bench_kernels: %s (at most %d), not '%s'\n",
                        dw ? "--dw wants H,W,C,K,S" : "--conv wants H,W,CIN,COUT,K,S", MAX_SHAPES, argv[i]);
                return 2;
            }
            n_shapes++;
        } else if (!strcmp(argv[i], "--layer") && i + 1 < argc) {
            layer_prefix = argv[++i];
        } else if (!strcmp(argv[i], "--act") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "none")) act = EMOC_ACT_NONE;
            else if (!strcmp(argv[i], "silu")) act = EMOC_ACT_SILU;
            else {
                fprintf(stderr, "bench_kernels: --act is none or silu, not '%s'\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_kernels [--isa ref|avx2|avx512|neon] [--runs N] "
                            "[--layer PREFIX] [--act none|silu] [--cold] [--gemm P,K,N[,s][,r]] "
                            "[--conv H,W,CIN,COUT,K,S] [--dw H,W,C,K,S]\n");
            return 2;
        }
    }
    if (runs < 1) runs = 1;
    emoc_isa best = emoc_isa_detect();
    const emoc_isa all[] = {EMOC_ISA_REF, EMOC_ISA_AVX2, EMOC_ISA_AVX512, EMOC_ISA_NEON};
    const layer *table = n_shapes ? shapes : B0;
    const size_t n_table = n_shapes ? (size_t)n_shapes : sizeof B0 / sizeof B0[0];
    printf("isa,kernel,layer,op,shape,mflop,median_ns,gflops,min_cpu_ns,gflops_best\n");
    for (int i = 0; i < 4; i++) {
        emoc_isa isa = all[i];
        int ok = isa == EMOC_ISA_REF || isa == best ||
                 (isa == EMOC_ISA_AVX2 && best == EMOC_ISA_AVX512);
        if (!ok || (only != EMOC_ISA_AUTO && only != isa)) continue;
        emoc_kernel_table t;
        emoc__kernel_table_init(&t, isa);
        double total[3] = {0, 0, 0}, flops[3] = {0, 0, 0};
        for (size_t l = 0; l < n_table; l++) {
            const layer *L = &table[l];
            if (strncmp(L->name, layer_prefix, strlen(layer_prefix))) continue;
            double flop = 0, min_ns = 0;
            const char *kname = "";
            double ns = time_layer(&t, L, runs, act, &flop, &kname, &min_ns);
            printf("%s,%s,%s,%s,%dx%dx%d->%d k%ds%d%s%s,%.3f,%.0f,%.2f,%.0f,%.2f\n", emoc_isa_name(isa),
                   kname, L->name, op_name(L->op), L->h, L->w, L->cin, L->cout, L->k, L->s,
                   L->scale ? " se" : "", L->residual ? " res" : "", flop / 1e6, ns, flop / ns, min_ns,
                   flop / min_ns);
            total[L->op] += ns * L->count;
            flops[L->op] += flop * L->count;
        }
        for (int k = 0; k < 3; k++)
            if (flops[k] > 0)
                printf("%s,total,%s,%s,all,%.3f,%.0f,%.2f,,\n", emoc_isa_name(isa),
                       n_shapes ? "shapes" : "b0-forward", op_name((op_kind)k), flops[k] / 1e6, total[k],
                       flops[k] / total[k]);
        printf("%s,total,%s,all,all,%.3f,%.0f,%.2f,,\n", emoc_isa_name(isa),
               n_shapes ? "shapes" : "b0-forward",
               (flops[0] + flops[1] + flops[2]) / 1e6, total[0] + total[1] + total[2],
               (flops[0] + flops[1] + flops[2]) / (total[0] + total[1] + total[2]));
        fflush(stdout);
    }
    return 0;
}
