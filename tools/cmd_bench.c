/*
 * cmd_bench.c — `emoc bench -m MODEL.emw [--threads N] [--runs R] [--warmup W] [--isa ISA]
 * [--json] [--per-op]`: times forward passes of one fixed input inside the process.
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
#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct per_op {
    int n_ops, runs, run;
    uint64_t *ns;               /* [op][run] */
    const char **op, **node, **kernel;
    uint64_t *flops;
} per_op;

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void on_trace(void *user, const emoc_trace_event *ev)
{
    per_op *p = user;
    if (ev->op_index < 0 || ev->op_index >= p->n_ops) return;
    p->ns[(size_t)ev->op_index * (size_t)p->runs + (size_t)p->run] = ev->ns;
    p->op[ev->op_index] = ev->op;
    p->node[ev->op_index] = ev->node;
    p->kernel[ev->op_index] = ev->kernel;
    p->flops[ev->op_index] = ev->flops;
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
        double c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ms();
        emoc_status st = emoc_model_load_file(model, opt, &m, &err);
        t[i] = now_ms() - t0;
        c[i] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
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

static void usage(FILE *f)
{
    fprintf(f, "usage: emoc bench -m MODEL.emw [--threads N] [--runs R] [--warmup W] [--isa ISA]\n"
               "                  [--loads L] [--json] [--per-op] [--roofline-ms F]\n"
               "  Times R forward passes (default 50) after W warm-up runs (default 5) of one\n"
               "  seeded input; prints median_ms, min_ms, runs, threads and the kernel ISA.\n"
               "  Start-up: first_load_ms, first_run_ms, load_ms (median of L more model loads,\n"
               "  default 10; 0 skips them) and peak_rss_kb.\n"
               "  --per-op adds each op's median time, GFLOP/s and share from the trace hook.\n"
               "  --roofline-ms F prints the net's fp32 floor F (docs/performance.md) and\n"
               "  median / F.\n");
}

int cmd_bench(int argc, char **argv)
{
    const char *cmd = argv[0], *model = NULL;
    long threads = 1, runs = 50, warmup = 5, loads = 10;
    int json = 0, per = 0;
    double roofline = 0;
    emoc_options opt;
    cli_model_options(&opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int hv = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "-m") && hv) {
            model = argv[++i];
        } else if (!strcmp(a, "--threads") && hv) {
            if (cli_parse_int(cmd, "--threads", argv[++i], 1, 256, &threads)) return EXIT_USAGE;
        } else if (!strcmp(a, "--runs") && hv) {
            if (cli_parse_int(cmd, "--runs", argv[++i], 1, 100000, &runs)) return EXIT_USAGE;
        } else if (!strcmp(a, "--loads") && hv) {
            if (cli_parse_int(cmd, "--loads", argv[++i], 0, 100000, &loads)) return EXIT_USAGE;
        } else if (!strcmp(a, "--warmup") && hv) {
            if (cli_parse_int(cmd, "--warmup", argv[++i], 0, 100000, &warmup)) return EXIT_USAGE;
        } else if (!strcmp(a, "--isa") && hv) {
            if (emoc_isa_parse(argv[++i], &opt.isa) != EMOC_OK) {
                cli_error(cmd, "--isa expects auto, ref, avx2, avx512 or neon, got '%s'", argv[i]);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--roofline-ms") && hv) {
            char *end;
            roofline = strtod(argv[++i], &end);
            if (*end || !(roofline > 0 && roofline < 1e6)) {
                cli_error(cmd, "--roofline-ms expects a positive number of milliseconds, got '%s'",
                          argv[i]);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--per-op")) {
            per = 1;
        } else {
            cli_error(cmd, "unknown argument '%s' (or missing value)", a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!model) {
        cli_error(cmd, "missing -m MODEL.emw");
        usage(stderr);
        return EXIT_USAGE;
    }
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_error err = {{0}};
    emoc_model_info info;
    double t_load = now_ms();
    emoc_status st = emoc_model_load_file(model, &opt, &m, &err);
    double first_load = now_ms() - t_load, first_run = 0, load_med = 0, load_min = 0, load_cpu = 0;
    long peak_rss = 0;
    if (st == EMOC_OK) st = emoc_model_get_info(m, &info);
    if (st == EMOC_OK) st = emoc_session_create(m, (int)threads, NULL, 0, &s, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s: %s", model, err.msg[0] ? err.msg : emoc_strerror(st));
        emoc_model_free(m);
        return cli_exit_for_status(st);
    }
    size_t n = (size_t)3 * (size_t)info.input_size * (size_t)info.input_size;
    float *x = malloc(n * sizeof(float));
    double *ms = malloc((size_t)runs * sizeof(double));
    double *cpu = malloc((size_t)runs * sizeof(double));
    per_op p = {0};
    int rc = EXIT_OK;
    if (!x || !ms || !cpu) {
        cli_error(cmd, "out of memory");
        rc = EXIT_RUNTIME;
        goto done;
    }
    uint32_t seed = 12345; /* fixed input: uniform noise in [-2, 2) */
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) * (4.0f / 16777216.0f) - 2.0f;
    }
    emoc_output out;
    double t_first = now_ms();
    st = emoc_session_run(s, x, n, &out);
    first_run = now_ms() - t_first;
    if (st != EMOC_OK) {
        cli_error(cmd, "run failed: %s", emoc_session_last_error(s));
        rc = cli_exit_for_status(st);
        goto done;
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) peak_rss = ru.ru_maxrss;
    if (loads > 0 && (rc = time_loads(cmd, model, &opt, loads, &load_med, &load_min, &load_cpu)) != EXIT_OK)
        goto done;
    for (long r = 0; r < warmup + runs; r++) {
        double c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ms();
        st = emoc_session_run(s, x, n, &out);
        double t1 = now_ms(), c1 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (st != EMOC_OK) {
            cli_error(cmd, "run failed: %s", emoc_session_last_error(s));
            rc = cli_exit_for_status(st);
            goto done;
        }
        if (r >= warmup) {
            ms[r - warmup] = t1 - t0;
            cpu[r - warmup] = c1 - c0;
        }
    }
    qsort(ms, (size_t)runs, sizeof(double), cmp_double);
    qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
    double median = runs % 2 ? ms[runs / 2] : 0.5 * (ms[runs / 2 - 1] + ms[runs / 2]);
    double cpu_median = runs % 2 ? cpu[runs / 2] : 0.5 * (cpu[runs / 2 - 1] + cpu[runs / 2]);
    const char *isa = emoc_isa_name(info.isa);
    if (per) {
        p.n_ops = emoc_model_op_count(m);
        p.runs = (int)runs;
        p.ns = calloc((size_t)p.n_ops * (size_t)runs, sizeof(uint64_t));
        p.op = calloc((size_t)p.n_ops, sizeof(char *));
        p.node = calloc((size_t)p.n_ops, sizeof(char *));
        p.kernel = calloc((size_t)p.n_ops, sizeof(char *));
        p.flops = calloc((size_t)p.n_ops, sizeof(uint64_t));
        if (!p.ns || !p.op || !p.node || !p.kernel || !p.flops) {
            cli_error(cmd, "out of memory");
            rc = EXIT_RUNTIME;
            goto done;
        }
        emoc_session_set_trace(s, on_trace, &p);
        for (p.run = 0; p.run < (int)runs; p.run++) emoc_session_run(s, x, n, &out);
        emoc_session_set_trace(s, NULL, NULL);
    }
    if (json) {
        printf("{\"model\":\"%s\",\"isa\":\"%s\",\"fp\":\"%s\",\"threads\":%ld,\"runs\":%ld,\"warmup\":%ld,"
               "\"median_ms\":%.4f,\"min_ms\":%.4f,\"cpu_median_ms\":%.4f,"
               "\"first_load_ms\":%.4f,\"first_run_ms\":%.4f,\"peak_rss_kb\":%ld",
               model, isa, cli_ftz ? "ftz" : "ieee", threads, runs, warmup, median, ms[0],
               cpu_median, first_load, first_run, peak_rss);
        if (loads > 0)
            printf(",\"loads\":%ld,\"load_ms\":%.4f,\"load_min_ms\":%.4f,\"load_cpu_ms\":%.4f", loads,
                   load_med, load_min, load_cpu);
        if (roofline > 0)
            printf(",\"roofline_ms\":%.4f,\"vs_roofline\":%.3f", roofline, median / roofline);
        if (per) {
            double total = 0;
            for (int i = 0; i < p.n_ops; i++) {
                uint64_t *v = p.ns + (size_t)i * (size_t)runs;
                qsort(v, (size_t)runs, sizeof(uint64_t), cmp_u64);
                total += (double)v[runs / 2];
            }
            printf(",\"ops\":[");
            for (int i = 0; i < p.n_ops; i++) {
                uint64_t *v = p.ns + (size_t)i * (size_t)runs;
                uint64_t med = v[runs / 2];
                printf("%s{\"op\":%d,\"type\":\"%s\",\"node\":\"%s\",\"kernel\":\"%s\","
                       "\"median_ns\":%llu,\"min_ns\":%llu,\"flops\":%llu,\"gflops\":%.3f,"
                       "\"share\":%.5f}",
                       i ? "," : "", i, p.op[i] ? p.op[i] : "", p.node[i] ? p.node[i] : "",
                       p.kernel[i] ? p.kernel[i] : "", (unsigned long long)med,
                       (unsigned long long)v[0], (unsigned long long)p.flops[i],
                       med ? (double)p.flops[i] / (double)med : 0.0,
                       total > 0 ? (double)med / total : 0.0);
            }
            printf("]");
        }
        printf("}\n");
    } else {
        printf("model      %s\n", model);
        printf("isa        %s\nfp         %s\nthreads    %ld\nruns       %ld (after %ld warm-up)\n", isa,
               cli_ftz ? "ftz (denormals flushed)" : "ieee", threads,
               runs, warmup);
        printf("median_ms  %.3f\nmin_ms     %.3f\ncpu_median_ms %.3f (process CPU time per run)\n",
               median, ms[0], cpu_median);
        printf("first_load_ms %.3f\nfirst_run_ms  %.3f\npeak_rss_kb   %ld\n", first_load, first_run,
               peak_rss);
        if (loads > 0)
            printf("load_ms    %.3f (median of %ld loads; min %.3f; process CPU %.3f)\n", load_med,
                   loads, load_min, load_cpu);
        if (roofline > 0)
            printf("roofline_ms %.3f (median is %.2fx the fp32 floor)\n", roofline, median / roofline);
        if (per) {
            printf("\n%4s  %-8s %-22s %-36s %10s %8s %6s\n", "op", "type", "node", "kernel",
                   "median_us", "GFLOP/s", "share");
            double total = 0;
            uint64_t *meds = calloc((size_t)p.n_ops, sizeof(uint64_t));
            for (int i = 0; meds && i < p.n_ops; i++) {
                uint64_t *v = p.ns + (size_t)i * (size_t)runs;
                qsort(v, (size_t)runs, sizeof(uint64_t), cmp_u64);
                meds[i] = v[runs / 2];
                total += (double)meds[i];
            }
            for (int i = 0; meds && i < p.n_ops; i++)
                printf("%4d  %-8s %-22s %-36s %10.1f %8.2f %5.1f%%\n", i, p.op[i] ? p.op[i] : "",
                       p.node[i] ? p.node[i] : "", p.kernel[i] ? p.kernel[i] : "",
                       (double)meds[i] / 1e3,
                       meds[i] ? (double)p.flops[i] / (double)meds[i] : 0.0,
                       total > 0 ? 100.0 * (double)meds[i] / total : 0.0);
            free(meds);
        }
    }
done:
    free(p.ns);
    free(p.op);
    free(p.node);
    free(p.kernel);
    free(p.flops);
    free(x);
    free(ms);
    free(cpu);
    emoc_session_free(s);
    emoc_model_free(m);
    return rc;
}
