/*
 * bench_ops.c — per-op trace timings for `emoc bench --per-op` (API: bench_ops.h).
 */
#include "tools/bench_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int per_op_init(per_op *p, int n_ops, int runs)
{
    memset(p, 0, sizeof *p);
    p->n_ops = n_ops;
    p->runs = runs;
    size_t n = n_ops > 0 ? (size_t)n_ops : 1;
    p->ns = calloc(n * (size_t)(runs > 0 ? runs : 1), sizeof(uint64_t));
    p->op = calloc(n, sizeof(char *));
    p->node = calloc(n, sizeof(char *));
    p->kernel = calloc(n, sizeof(char *));
    p->flops = calloc(n, sizeof(uint64_t));
    return p->ns && p->op && p->node && p->kernel && p->flops ? 0 : -1;
}

void per_op_free(per_op *p)
{
    free(p->ns);
    free(p->op);
    free(p->node);
    free(p->kernel);
    free(p->flops);
    memset(p, 0, sizeof *p);
}

void per_op_on_trace(void *user, const emoc_trace_event *ev)
{
    per_op *p = user;
    if (ev->op_index < 0 || ev->op_index >= p->n_ops || p->run < 0 || p->run >= p->runs) return;
    p->ns[(size_t)ev->op_index * (size_t)p->runs + (size_t)p->run] = ev->ns;
    p->op[ev->op_index] = ev->op;
    p->node[ev->op_index] = ev->node;
    p->kernel[ev->op_index] = ev->kernel;
    p->flops[ev->op_index] = ev->flops;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t per_op_median(const per_op *p, int i)
{
    uint64_t *v = p->ns + (size_t)i * (size_t)p->runs;
    qsort(v, (size_t)p->runs, sizeof(uint64_t), cmp_u64);
    return v[p->runs / 2];
}

void per_op_print_json(const per_op *p)
{
    double total = 0;
    for (int i = 0; i < p->n_ops; i++) total += (double)per_op_median(p, i);
    printf(",\"ops\":[");
    for (int i = 0; i < p->n_ops; i++) {
        uint64_t med = per_op_median(p, i), min = p->ns[(size_t)i * (size_t)p->runs];
        printf("%s{\"op\":%d,\"type\":\"%s\",\"node\":\"%s\",\"kernel\":\"%s\","
               "\"median_ns\":%llu,\"min_ns\":%llu,\"flops\":%llu,\"gflops\":%.3f,"
               "\"share\":%.5f}",
               i ? "," : "", i, p->op[i] ? p->op[i] : "", p->node[i] ? p->node[i] : "",
               p->kernel[i] ? p->kernel[i] : "", (unsigned long long)med,
               (unsigned long long)min, (unsigned long long)p->flops[i],
               med ? (double)p->flops[i] / (double)med : 0.0,
               total > 0 ? (double)med / total : 0.0);
    }
    printf("]");
}

void per_op_print_table(const per_op *p)
{
    printf("\n%4s  %-8s %-22s %-36s %10s %8s %6s\n", "op", "type", "node", "kernel",
           "median_us", "GFLOP/s", "share");
    double total = 0;
    uint64_t *meds = calloc((size_t)(p->n_ops > 0 ? p->n_ops : 1), sizeof(uint64_t));
    for (int i = 0; meds && i < p->n_ops; i++) {
        meds[i] = per_op_median(p, i);
        total += (double)meds[i];
    }
    for (int i = 0; meds && i < p->n_ops; i++)
        printf("%4d  %-8s %-22s %-36s %10.1f %8.2f %5.1f%%\n", i, p->op[i] ? p->op[i] : "",
               p->node[i] ? p->node[i] : "", p->kernel[i] ? p->kernel[i] : "",
               (double)meds[i] / 1e3,
               meds[i] ? (double)p->flops[i] / (double)meds[i] : 0.0,
               total > 0 ? 100.0 * (double)meds[i] / total : 0.0);
    free(meds);
}

#define MAX_TYPES 32

void per_op_print_types(const per_op *p)
{
    const char *type[MAX_TYPES];
    int count[MAX_TYPES] = {0}, nt = 0;
    double ns[MAX_TYPES] = {0}, fl[MAX_TYPES] = {0}, total = 0;
    for (int i = 0; i < p->n_ops; i++) {
        const char *t = p->op[i] ? p->op[i] : "?";
        int k = 0;
        while (k < nt && strcmp(type[k], t)) k++;
        if (k == nt) {
            if (nt == MAX_TYPES) continue;
            type[nt++] = t;
        }
        double med = (double)per_op_median(p, i);
        count[k]++;
        ns[k] += med;
        fl[k] += (double)p->flops[i];
        total += med;
    }
    printf("\n%-12s %5s %10s %10s %8s %6s\n", "type", "ops", "median_ms", "GFLOP", "GFLOP/s", "share");
    for (int k = 0; k < nt; k++)
        printf("%-12s %5d %10.4f %10.5f %8.2f %5.1f%%\n", type[k], count[k], ns[k] / 1e6, fl[k] / 1e9,
               ns[k] > 0 ? fl[k] / ns[k] : 0.0, total > 0 ? 100.0 * ns[k] / total : 0.0);
}
