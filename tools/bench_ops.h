/*
 * bench_ops.h — per-op timings collected from the trace hook (emoc_trace_event) over R runs,
 * shared by `emoc bench --per-op` on emotion models (tools/cmd_bench.c) and on face detectors
 * (tools/bench_detect.c): each op's median wall time, GFLOP/s and share, as text or JSON.
 */
#ifndef EMOC_TOOLS_BENCH_OPS_H
#define EMOC_TOOLS_BENCH_OPS_H

#include "emoc.h"

#include <stdint.h>

typedef struct per_op {
    int n_ops, runs, run;
    uint64_t *ns;               /* [op][run] */
    const char **op, **node, **kernel;
    uint64_t *flops;
} per_op;

/* Allocates room for n_ops × runs times; -1 when out of memory. */
int per_op_init(per_op *p, int n_ops, int runs);
void per_op_free(per_op *p);
/* The trace callback: records ev->ns for run p->run (user = the per_op). */
void per_op_on_trace(void *user, const emoc_trace_event *ev);
/* The median of op i's times (sorts its row). */
uint64_t per_op_median(const per_op *p, int i);
/* One line per op: index, type, node, kernel, median µs, GFLOP/s, share of the ops' sum. */
void per_op_print_table(const per_op *p);
/* Per op type: count, median ms summed, GFLOP, GFLOP/s and share. */
void per_op_print_types(const per_op *p);
/* `,"ops":[...]` for the JSON line. */
void per_op_print_json(const per_op *p);

#endif
