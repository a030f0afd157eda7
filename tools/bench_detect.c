/*
 * bench_detect.c — timing of a face detector's whole frame (API: bench_detect.h).
 *
 * W warm-up frames, then R timed frames through the same state: each stage's median over the
 * runs, their sum, and each stage's share of that sum. BlazeFace: warp (letterbox warp +
 * scaling), net, decode, nms, project; RetinaFace: prep (BGR − mean), net, select (softmax,
 * threshold, decode), sort (argsort, top_k), nms. --per-op repeats R frames with the network's trace hook on (so the
 * trace cannot skew the stage times) and prints each op's median, GFLOP/s and share, then the
 * same per op type. cpu is the median process CPU time per frame: when other processes share
 * the cores, a frame that loses its core for a scheduler slice inflates the wall-clock stages
 * (the per-op medians, each a few µs, rarely see it). MTCNN (a pyramid of networks) is timed by
 * bench/mtcnn_speed.py (whole frames through `emoc detect`).
 */
#include "tools/bench_detect.h"

#include "engine/emw/emw.h"
#include "nets/blazeface_detect.h"
#include "nets/detector.h"
#include "nets/retinaface.h"
#include "tools/bench_ops.h"
#include "tools/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_STAGES 7 /* the 5 stages, their total, and the frame's process CPU time */
#define TOTAL 5
#define CPU 6

/* One detector family behind the timing loops. */
typedef struct target {
    const char *stage_name[N_STAGES];
    blaze_state *blaze;
    void *rf;       /* emoc__retinaface_backend state */
} target;

static void target_init(target *g, int retina)
{
    static const char *const BLAZE[N_STAGES] = {"warp", "net", "decode", "nms", "project",
                                                "total", "cpu"};
    static const char *const RETINA[N_STAGES] = {"prep", "net", "select", "sort", "nms", "total",
                                                 "cpu"};
    memset(g, 0, sizeof *g);
    memcpy(g->stage_name, retina ? RETINA : BLAZE, sizeof g->stage_name);
}

static emoc_status target_detect(target *g, const emoc_image *img, int *faces, emoc_error *err)
{
    static blaze_face bout[256];
    static emoc_face rout[256];
    if (g->blaze) return blaze_detect(g->blaze, img, -1.0f, bout, 256, faces, err);
    emoc_detect_options o = {emoc__retinaface_backend.default_threshold, 0};
    return emoc__retinaface_backend.detect(g->rf, img, &o, rout, 256, faces, err);
}

/* The last frame's stage times, ns. */
static void target_timing(const target *g, uint64_t v[TOTAL])
{
    if (g->blaze) {
        const blaze_timing *t = blaze_last_timing(g->blaze);
        uint64_t b[TOTAL] = {t->warp, t->net, t->decode, t->nms, t->project};
        memcpy(v, b, sizeof b);
    } else {
        const rf_timing *t = rf_last_timing(g->rf);
        uint64_t r[TOTAL] = {t->prep, t->net, t->select, t->sort, t->nms};
        memcpy(v, r, sizeof r);
    }
}

static void target_set_trace(target *g, emoc_trace_fn fn, void *user)
{
    if (g->blaze) blaze_set_trace(g->blaze, fn, user);
    else rf_set_trace(g->rf, fn, user);
}

static int target_op_count(const target *g)
{
    return g->blaze ? blaze_op_count(g->blaze) : rf_op_count(g->rf);
}

static emoc_isa target_isa(const target *g)
{
    return g->blaze ? blaze_isa(g->blaze) : rf_isa(g->rf);
}

static void target_close(target *g)
{
    if (g->blaze) blaze_close(g->blaze);
    if (g->rf) emoc__retinaface_backend.close(g->rf);
}

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* A 640×480 RGB frame of uniform noise from a seeded LCG. */
static int noise_frame(emoc_image *img)
{
    img->width = 640;
    img->height = 480;
    img->channels = 3;
    size_t n = (size_t)640 * 480 * 3;
    img->pixels = malloc(n);
    if (!img->pixels) return -1;
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        img->pixels[i] = (uint8_t)(seed >> 24);
    }
    return 0;
}

/* R frames (after the warm-up): per-stage times, t[stage][run] in ns. */
static int time_frames(const char *cmd, const bench_detect_args *a, target *g,
                       const emoc_image *img, uint64_t *t[N_STAGES], int *faces)
{
    emoc_error err = {{0}};
    for (long r = -a->warmup; r < a->runs; r++) {
        uint64_t c0 = cpu_ns();
        emoc_status st = target_detect(g, img, faces, &err);
        uint64_t c1 = cpu_ns();
        if (st != EMOC_OK) {
            cli_error(cmd, "%s: %s", a->model, err.msg);
            return EXIT_RUNTIME;
        }
        if (r < 0) continue;
        uint64_t v[N_STAGES] = {0};
        target_timing(g, v);
        v[CPU] = c1 - c0;
        for (int k = 0; k < TOTAL; k++) v[TOTAL] += v[k];
        for (int k = 0; k < N_STAGES; k++) t[k][r] = v[k];
    }
    return EXIT_OK;
}

static int trace_frames(const char *cmd, const bench_detect_args *a, target *g,
                        const emoc_image *img, per_op *p)
{
    emoc_error err = {{0}};
    int n;
    if (per_op_init(p, target_op_count(g), (int)a->runs)) {
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    target_set_trace(g, per_op_on_trace, p);
    for (p->run = 0; p->run < (int)a->runs; p->run++)
        if (target_detect(g, img, &n, &err) != EMOC_OK) {
            cli_error(cmd, "%s: %s", a->model, err.msg);
            target_set_trace(g, NULL, NULL);
            return EXIT_RUNTIME;
        }
    target_set_trace(g, NULL, NULL);
    return EXIT_OK;
}

static void print_result(const bench_detect_args *a, const char *arch, const char *isa,
                         const emoc_image *img, int faces, uint64_t *t[N_STAGES], per_op *p,
                         const char *const *stage_name)
{
    double med[N_STAGES], sum = 0;
    for (int k = 0; k < N_STAGES; k++) {
        qsort(t[k], (size_t)a->runs, sizeof(uint64_t), cmp_u64);
        med[k] = (double)t[k][a->runs / 2] / 1e6;
        if (k < TOTAL) sum += med[k];
    }
    const char *frame = a->image ? a->image : "seeded noise";
    if (a->json) {
        printf("{\"model\":\"%s\",\"arch\":\"%s\",\"isa\":\"%s\",\"threads\":%ld,\"runs\":%ld,"
               "\"warmup\":%ld,\"frame\":\"%s\",\"width\":%d,\"height\":%d,\"faces\":%d",
               a->model, arch, isa, a->threads, a->runs, a->warmup,
               frame, img->width, img->height, faces);
        for (int k = 0; k < N_STAGES; k++) printf(",\"%s_ms\":%.4f", stage_name[k], med[k]);
        if (a->per) per_op_print_json(p);
        printf("}\n");
        return;
    }
    printf("model      %s (%s)\nisa        %s\nframe      %s, %dx%d, %d faces\nthreads    %ld\n"
           "runs       %ld (after %ld warm-up)\n",
           a->model, arch, isa, frame, img->width, img->height, faces, a->threads, a->runs, a->warmup);
    printf("\n%-8s %10s %6s\n", "stage", "median_ms", "share");
    for (int k = 0; k < TOTAL; k++)
        printf("%-8s %10.4f %5.1f%%\n", stage_name[k], med[k], sum > 0 ? 100.0 * med[k] / sum : 0.0);
    printf("%-8s %10.4f (sum of the stage medians; median of the frame totals %.4f)\n", "sum", sum,
           med[TOTAL]);
    printf("cpu_ms   %10.4f (median process CPU time per frame: on a shared machine the wall\n"
           "                    clock also counts time spent waiting for a core)\n", med[CPU]);
    if (a->per) {
        per_op_print_table(p);
        per_op_print_types(p);
    }
}

int bench_detector(const char *cmd, const bench_detect_args *a, const unsigned char *buf,
                   size_t size)
{
    emw_file f;
    emoc_error err = {{0}};
    if (emw_parse(buf, size, 1, &f, &err) != EMOC_OK) {
        cli_error(cmd, "%s: %s", a->model, err.msg);
        return cli_exit_for_status(EMOC_E_FORMAT);
    }
    const emw_meta *am = emw_find_meta(&f, "emoc.arch");
    const char *arch = am && am->type == EMW_T_STR ? am->str : "?";
    int retina = !strcmp(arch, "retinaface");
    if (strncmp(arch, "blazeface", 9) && !retina) {
        cli_error(cmd, "%s: a %s detector: `emoc bench` times BlazeFace and RetinaFace detectors "
                  "stage by stage; time MTCNN with bench/mtcnn_speed.py", a->model, arch);
        emw_file_release(&f);
        return EXIT_USAGE;
    }
    bench_detect_args one = *a;
    if (retina) one.threads = 1; /* the RetinaFace back-end runs on one thread */
    a = &one;
    target g;
    target_init(&g, retina);
    emoc_image img = {0};
    per_op p;
    memset(&p, 0, sizeof p);
    uint64_t *t[N_STAGES] = {0};
    int rc = EXIT_OK, faces = 0;
    emoc_status st = retina ? emoc__retinaface_backend.open(&f, a->opt, &g.rf, &err)
                            : blaze_open(&f, a->opt, (int)a->threads, &g.blaze, &err);
    if (st) {
        cli_error(cmd, "%s: %s", a->model, err.msg);
        rc = cli_exit_for_status(st);
    } else if (a->image ? emoc_image_load_file(a->image, NULL, &img, &err) != EMOC_OK
                        : noise_frame(&img) != 0) {
        cli_error(cmd, "%s: %s", a->image ? a->image : "frame", a->image ? err.msg : "out of memory");
        rc = a->image ? EXIT_INPUT : EXIT_RUNTIME;
    } else if (retina && img.channels != 3) {
        cli_error(cmd, "%s: %d channels; RetinaFace is timed on an RGB frame", a->image,
                  img.channels);
        rc = EXIT_INPUT;
    }
    for (int k = 0; !rc && k < N_STAGES; k++)
        if (!(t[k] = calloc((size_t)a->runs, sizeof(uint64_t)))) {
            cli_error(cmd, "out of memory");
            rc = EXIT_RUNTIME;
        }
    if (!rc) rc = time_frames(cmd, a, &g, &img, t, &faces);
    if (!rc && a->per) rc = trace_frames(cmd, a, &g, &img, &p);
    if (!rc) print_result(a, arch, emoc_isa_name(target_isa(&g)), &img, faces, t, &p, g.stage_name);
    for (int k = 0; k < N_STAGES; k++) free(t[k]);
    per_op_free(&p);
    emoc_image_free(&img);
    target_close(&g);
    emw_file_release(&f);
    return rc;
}
