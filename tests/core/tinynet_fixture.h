/* tinynet_fixture.h — builds a valid "tinynet" EMW file in memory for core tests. */
#ifndef EMOC_TESTS_TINYNET_FIXTURE_H
#define EMOC_TESTS_TINYNET_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* Options for deliberately broken variants. */
typedef struct tiny_opts {
    int size;              /* input.size (default 16) */
    int n_scores;          /* default 10 (8 classes + VA) */
    int skip_tensor;       /* index of a tensor to leave out, -1 none */
    int bad_shape_tensor;  /* index of a tensor to write with a wrong shape, -1 none */
    int extra_tensor;      /* 1: add an unknown tensor */
    int kernel_layout;     /* 1: GEMM weights in the kernels' panel layout (EMW 1.1), as
                              `emoc convert` writes them; default 0 (row-major EMW 1.0) */
    unsigned seed;
    const char *const *labels; /* 8 class labels instead of AffectNet's, or NULL */
    int reduced;           /* 2 (bf16) or 3 (int8): GEMM weights stored so, as `emoc convert
                              --dtype` writes them (EMW 1.2); default 0 */
    const float *calib;    /* int8: n_calib inputs of 3·size·size floats */
    size_t n_calib;
} tiny_opts;

void tiny_default(tiny_opts *o);
/* Returns a malloc'ed EMW buffer (free()) or NULL. */
uint8_t *tiny_build(const tiny_opts *o, size_t *size);
/* Name of tensor i of the fixture (for messages). */
const char *tiny_tensor_name(int i);
int tiny_tensor_count(void);

#endif
