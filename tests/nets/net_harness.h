/*
 * net_harness.h — what the whole-net tests on random weights share (test_mbf_net.c,
 * test_ddamfn_net.c): a tensor list written from the spec tables, an EMW built from it with
 * seeded random weights, the 1-vs-N-thread determinism check and the rejection check.
 * Failures are Criterion assertions in the calling test.
 */
#ifndef EMOC_TESTS_NETS_NET_HARNESS_H
#define EMOC_TESTS_NETS_NET_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "emoc.h"

typedef struct net_tensor {
    char name[96];
    int rank;
    int64_t dims[4];
} net_tensor;

typedef struct net_tensors {
    net_tensor t[1200];
    int n;
} net_tensors;

/* Appends a tensor of the given rank (unused dims ignored). */
void net_add(net_tensors *l, const char *name, int rank, int64_t d0, int64_t d1, int64_t d2,
             int64_t d3);

/* Uniform in [−0.5, 0.5) from a 32-bit LCG; the same sequence on every platform. */
float net_rnd(unsigned *s);

/* Metadata of the test file: a 112×112 RGB net with 8 classes + V, A and a 512-d embedding. */
typedef struct net_meta {
    const char *arch, *variant, *name, *source_file;
    double mean[3], std[3];
    const char *const *ignored; /* ignored.prefixes, or NULL */
    int n_ignored;
} net_meta;

/* EMW of the list (entry `skip` left out, -1 for none; plus a 4-float tensor `extra` if not
 * NULL) with weights ~ U(−0.5, 0.5)·2·√(3/fan_in) and biases/slopes ~ U(−0.1, 0.1). */
uint8_t *net_build(const net_tensors *l, const net_meta *meta, int skip, const char *extra,
                   size_t *size);

/* net_build (nothing skipped) loaded as a model; the load must succeed. */
emoc_model *net_load(const net_tensors *l, const net_meta *meta, const char *extra);

/* Runs m on one fixed random input with 1 and with `threads` threads: scores (10) and embedding
 * (512) must agree bit for bit, be finite and not all zero. */
void net_assert_threads_agree(const emoc_model *m, int threads);

/* The same net loaded with emoc_options.flush_denormals = 1: bitwise identical at 1 and
 * `threads` threads, and every score within 1e-4·max(1, max|score|) of the IEEE run. */
void net_assert_ftz_close(const net_tensors *l, const net_meta *meta, int threads);

/* Building the list without `skip` / with `extra` must fail with EMOC_E_SHAPE and a message
 * containing needle. */
void net_expect_rejected(const net_tensors *l, const net_meta *meta, int skip, const char *extra,
                         const char *needle);

#endif
