/*
 * cmd_bench.c — `emoc bench -m MODEL.emw [--threads N] [--runs R] [--warmup W] [--isa ISA]
 * [--json] [--per-op] [--roofline-ms F]`: times forward passes of one fixed input inside the process.
 *
 * Warm-up runs first, then R timed runs (wall clock, CLOCK_MONOTONIC); prints median and min.
 * cpu_median_ms is the process CPU time per run (all threads): on a shared, oversubscribed
 * machine it shows the work done when wall-clock numbers are inflated by waiting for a core.
 * --per-op then repeats R runs with the trace callback on (docs/architecture.md R11) and prints
 * each op's median nanoseconds, GFLOP/s and share (its median over the sum of all ops' medians);
 * those runs are separate so the trace cannot skew the totals. --roofline-ms F prints F (the
 * lowest fp32 latency this machine allows for the net, docs/performance.md) as roofline_ms and
 * median / F as vs_roofline, so the remaining distance to the floor is on every line.
 *
 * Start-up (docs/startup.md): first_load_ms is the process's first emoc_model_load_file (file →
 * ready model, every check included), first_run_ms its first forward pass (arena first touched);
 * load_ms the median of --loads L further load+free cycles (warm page cache), load_min_ms their
 * minimum; peak_rss_kb the process's peak resident set (getrusage), measured before the repeated
 * loads so it is that of one model and one session. load_cpu_ms is the median process CPU time
 * of a load: on a shared machine it shows the work when the wall clock waits for a core.
 */
#include "tools/bench_detect.h"
#include "tools/bench_ops.h"
#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>


static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and minimum wall time of `loads` load+free cycles of the model file. */
static int time_loads(const char *cmd, const char *model, const emoc_options *opt, long loads,
                      double *median, double *min, double *cpu_median)
{
    double *t = malloc(2 * (size_t)loads * sizeof(double)), *c = t + loads;
    if (!t) {
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    for (long i = 0; i < loads; i++) {
        emoc_model *m = NULL;
        emoc_error err = {{0}};
        double c0 = cli_cpu_ms(), t0 = cli_now_ms();
        emoc_status st = emoc_model_load_file(model, opt, &m, &err);
        t[i] = cli_now_ms() - t0;
        c[i] = cli_cpu_ms() - c0;
        emoc_model_free(m);
        if (st != EMOC_OK) {
            cli_error(cmd, "%s: reload %ld failed: %s", model, i + 1, err.msg);
            free(t);
            return cli_exit_for_status(st);
        }
    }
    qsort(t, (size_t)loads, sizeof(double), cmp_double);
    qsort(c, (size_t)loads, sizeof(double), cmp_double);
    *median = loads % 2 ? t[loads / 2] : 0.5 * (t[loads / 2 - 1] + t[loads / 2]);
    *cpu_median = loads % 2 ? c[loads / 2] : 0.5 * (c[loads / 2 - 1] + c[loads / 2]);
    *min = t[0];
    free(t);
    return EXIT_OK;
}

static const char *usage =
    "usage: emoc bench -m MODEL.emw [--threads N] [--runs R] [--warmup W] [--isa ISA]\n"
    "                  [--loads L] [--json] [--per-op] [--roofline-ms F] [--image FILE]\n"
    "  Times R forward passes (default 50) after W warm-up runs (default 5) of one\n"
    "  seeded input; prints median_ms, min_ms, runs, threads and the kernel ISA.\n"
    "  Start-up: first_load_ms, first_run_ms, load_ms (median of L more model loads,\n"
    "  default 10; 0 skips them) and peak_rss_kb.\n"
    "  --per-op adds each op's median time, GFLOP/s and share from the trace hook.\n"
    "  --roofline-ms F prints the net's fp32 floor F (docs/performance.md) and median / F.\n"
    "  A BlazeFace or RetinaFace detector .emw is timed on whole frames: each stage's\n"
    "  median (BlazeFace warp, net, decode, nms, project; RetinaFace prep, net, select,\n"
    "  sort, nms; RetinaFace on 1 thread) and share; --image FILE gives the frame\n"
    "  (default: 640x480 seeded noise); --per-op times its network's ops.\n";

typedef struct bench_args {
    const char *model;
    const char *image;  /* --image (detectors only) */
    long threads, runs, warmup, loads;
    int json, per;
    emoc_options opt;
    double roofline;   /* --roofline-ms; 0: not given */
} bench_args;

/* What one bench run measured (times in ms). */
typedef struct bench_result {
    double first_load, first_run, load_med, load_min, load_cpu, median, min, cpu_median;
    long peak_rss;
    per_op p;
} bench_result;

static int unknown_argument(const char *cmd, const char *a)
{
    cli_error(cmd, "unknown argument '%s' (or missing value)", a);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* One scanned option: -1 when read, else the exit code (message printed). */
static int bench_option(bench_args *b, const char *cmd, const char *a, const char *v)
{
    if (!strcmp(a, "--json")) b->json = 1;
    else if (!strcmp(a, "--per-op")) b->per = 1;
    else if (!v) return unknown_argument(cmd, a);
    else if (!strcmp(a, "-m")) b->model = v;
    else if (!strcmp(a, "--image")) b->image = v;
    else if (!strcmp(a, "--roofline-ms")) {
        char *end;
        b->roofline = strtod(v, &end);
        if (*end || !(b->roofline > 0 && b->roofline < 1e6)) {
            cli_error(cmd, "--roofline-ms expects a positive number of milliseconds, got '%s'", v);
            return EXIT_USAGE;
        }
    }
    else if (!strcmp(a, "--threads")) {
        if (cli_parse_int(cmd, "--threads", v, 1, 256, &b->threads)) return EXIT_USAGE;
    } else if (!strcmp(a, "--runs")) {
        if (cli_parse_int(cmd, "--runs", v, 1, 100000, &b->runs)) return EXIT_USAGE;
    } else if (!strcmp(a, "--loads")) {
        if (cli_parse_int(cmd, "--loads", v, 0, 100000, &b->loads)) return EXIT_USAGE;
    } else if (!strcmp(a, "--warmup")) {
        if (cli_parse_int(cmd, "--warmup", v, 0, 100000, &b->warmup)) return EXIT_USAGE;
    } else if (!strcmp(a, "--isa")) {
        if (emoc_isa_parse(v, &b->opt.isa) != EMOC_OK) {
            cli_error(cmd, "--isa expects auto, ref, avx2, avx512 or neon, got '%s'", v);
            return EXIT_USAGE;
        }
    } else {
        return unknown_argument(cmd, a);
    }
    return -1;
}

/* -1 when the command line is complete, else the exit code (message printed). */
static int bench_parse(int argc, char **argv, bench_args *b)
{
    const char *cmd = argv[0];
    static const char *const flags[] = {"--json", "--per-op", NULL};
    *b = (bench_args){NULL, NULL, 1, 50, 5, 10, 0, 0, {0}, 0};
    cli_model_options(&b->opt);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        int rc = a ? bench_option(b, cmd, a, v) : unknown_argument(cmd, v);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!b->model) {
        cli_error(cmd, "missing -m MODEL.emw");
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    return -1;
}

static double median_of(double *v, long n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Warm-up, then `runs` timed forward passes: median and minimum wall time, median CPU time. */
static int time_runs(const bench_args *b, const char *cmd, emoc_session *s, const float *x, size_t n,
                     bench_result *res)
{
    double *ms = malloc((size_t)b->runs * sizeof(double)), *cpu = malloc((size_t)b->runs * sizeof(double));
    emoc_output out;
    int rc = EXIT_OK;
    if (!ms || !cpu) {
        cli_error(cmd, "out of memory");
        rc = EXIT_RUNTIME;
    }
    for (long r = 0; !rc && r < b->warmup + b->runs; r++) {
        double c0 = cli_cpu_ms(), t0 = cli_now_ms();
        emoc_status st = emoc_session_run(s, x, n, &out);
        double t1 = cli_now_ms(), c1 = cli_cpu_ms();
        if (st != EMOC_OK) {
            cli_error(cmd, "run failed: %s", emoc_session_last_error(s));
            rc = cli_exit_for_status(st);
        } else if (r >= b->warmup) {
            ms[r - b->warmup] = t1 - t0;
            cpu[r - b->warmup] = c1 - c0;
        }
    }
    if (!rc) {
        res->median = median_of(ms, b->runs);
        res->min = ms[0];
        res->cpu_median = median_of(cpu, b->runs);
    }
    free(ms);
    free(cpu);
    return rc;
}

/* `runs` more passes with the trace hook on: each op's time per run. */
static int trace_ops(const bench_args *b, const char *cmd, const emoc_model *m, emoc_session *s,
                     const float *x, size_t n, per_op *p)
{
    if (per_op_init(p, emoc_model_op_count(m), (int)b->runs)) {
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    emoc_output out;
    emoc_session_set_trace(s, per_op_on_trace, p);
    for (p->run = 0; p->run < (int)b->runs; p->run++) emoc_session_run(s, x, n, &out);
    emoc_session_set_trace(s, NULL, NULL);
    return EXIT_OK;
}

static void print_json(const bench_args *b, const char *isa, const bench_result *r)
{
    printf("{\"model\":\"%s\",\"isa\":\"%s\",\"fp\":\"%s\",\"threads\":%ld,\"runs\":%ld,\"warmup\":%ld,"
           "\"median_ms\":%.4f,\"min_ms\":%.4f,\"cpu_median_ms\":%.4f,"
           "\"first_load_ms\":%.4f,\"first_run_ms\":%.4f,\"peak_rss_kb\":%ld",
           b->model, isa, cli_ftz ? "ftz" : "ieee", b->threads, b->runs, b->warmup, r->median, r->min,
           r->cpu_median, r->first_load, r->first_run, r->peak_rss);
    if (b->loads > 0)
        printf(",\"loads\":%ld,\"load_ms\":%.4f,\"load_min_ms\":%.4f,\"load_cpu_ms\":%.4f", b->loads,
               r->load_med, r->load_min, r->load_cpu);
    if (b->roofline > 0)
        printf(",\"roofline_ms\":%.4f,\"vs_roofline\":%.3f", b->roofline, r->median / b->roofline);
    if (b->per) per_op_print_json(&r->p);
    printf("}\n");
}

static void print_text(const bench_args *b, const char *isa, const bench_result *r)
{
    printf("model      %s\n", b->model);
    printf("isa        %s\nfp         %s\nthreads    %ld\nruns       %ld (after %ld warm-up)\n", isa,
           cli_ftz ? "ftz (denormals flushed)" : "ieee", b->threads, b->runs, b->warmup);
    printf("median_ms  %.3f\nmin_ms     %.3f\ncpu_median_ms %.3f (process CPU time per run)\n",
           r->median, r->min, r->cpu_median);
    printf("first_load_ms %.3f\nfirst_run_ms  %.3f\npeak_rss_kb   %ld\n", r->first_load, r->first_run,
           r->peak_rss);
    if (b->loads > 0)
        printf("load_ms    %.3f (median of %ld loads; min %.3f; process CPU %.3f)\n", r->load_med,
               b->loads, r->load_min, r->load_cpu);
    if (b->roofline > 0)
        printf("roofline_ms %.3f (median is %.2fx the fp32 floor)\n", b->roofline, r->median / b->roofline);
    if (b->per) per_op_print_table(&r->p);
}

/* The fixed input: uniform noise in [-2, 2) from a seeded LCG. */
static void fill_input(float *x, size_t n)
{
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) * (4.0f / 16777216.0f) - 2.0f;
    }
}

/* First run (timed), peak RSS, the repeated loads, the timed runs and the per-op trace. */
static int bench_measure(const bench_args *b, const char *cmd, const emoc_model *m, emoc_session *s,
                         const emoc_model_info *info, bench_result *res)
{
    size_t n = (size_t)3 * (size_t)info->input_size * (size_t)info->input_size;
    float *x = malloc(n * sizeof(float));
    if (!x) {
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    fill_input(x, n);
    emoc_output out;
    double t_first = cli_now_ms();
    emoc_status st = emoc_session_run(s, x, n, &out);
    res->first_run = cli_now_ms() - t_first;
    int rc = EXIT_OK;
    if (st != EMOC_OK) {
        cli_error(cmd, "run failed: %s", emoc_session_last_error(s));
        rc = cli_exit_for_status(st);
    }
    struct rusage ru;
    if (!rc && getrusage(RUSAGE_SELF, &ru) == 0) res->peak_rss = ru.ru_maxrss;
    if (!rc && b->loads > 0)
        rc = time_loads(cmd, b->model, &b->opt, b->loads, &res->load_med, &res->load_min, &res->load_cpu);
    if (!rc) rc = time_runs(b, cmd, s, x, n, res);
    if (!rc && b->per) rc = trace_ops(b, cmd, m, s, x, n, &res->p);
    free(x);
    return rc;
}

/* A face-detector file goes to bench_detect.c; -1 when `path` is not one (or unreadable). */
static int bench_if_detector(const char *cmd, const bench_args *b)
{
    char why[256];
    size_t size;
    unsigned char *buf = cli_read_file(b->model, &size, why, sizeof why);
    if (!buf) return -1;
    int rc = -1;
    if (emoc_emw_is_detector(buf, size)) {
        bench_detect_args a = {.model = b->model, .image = b->image, .threads = b->threads,
                               .runs = b->runs, .warmup = b->warmup, .json = b->json,
                               .per = b->per, .opt = &b->opt};
        rc = bench_detector(cmd, &a, buf, size);
    }
    free(buf);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    const char *cmd = argv[0];
    bench_args b;
    int rc = bench_parse(argc, argv, &b);
    if (rc >= 0) return rc;
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_error err = {{0}};
    emoc_model_info info;
    bench_result res;
    memset(&res, 0, sizeof res);
    double t_load = cli_now_ms();
    emoc_status st = emoc_model_load_file(b.model, &b.opt, &m, &err);
    res.first_load = cli_now_ms() - t_load;
    if (st == EMOC_OK) st = emoc_model_get_info(m, &info);
    if (st == EMOC_OK) st = emoc_session_create(m, (int)b.threads, NULL, 0, &s, &err);
    if (st == EMOC_E_UNSUPPORTED && (rc = bench_if_detector(cmd, &b)) >= 0) return rc;
    if (st == EMOC_OK && b.image) {
        cli_error(cmd, "--image is for face detectors; %s is an emotion model", b.model);
        st = EMOC_E_ARG;
    }
    if (st != EMOC_OK) {
        if (st != EMOC_E_ARG) cli_error(cmd, "%s: %s", b.model, err.msg[0] ? err.msg : emoc_strerror(st));
        emoc_session_free(s);
        emoc_model_free(m);
        return cli_exit_for_status(st);
    }
    rc = bench_measure(&b, cmd, m, s, &info, &res);
    if (!rc && b.json) print_json(&b, emoc_isa_name(info.isa), &res);
    else if (!rc) print_text(&b, emoc_isa_name(info.isa), &res);
    per_op_free(&res.p);
    emoc_session_free(s);
    emoc_model_free(m);
    return rc;
}
