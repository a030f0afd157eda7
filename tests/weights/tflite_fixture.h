/*
 * tflite_fixture.h — builds a small valid TFLite flatbuffer in memory for the reader tests and
 * the fuzz seed: input [1,4,4,2] → DEQUANTIZE (fp16 weight [2,1,1,2]) → CONV_2D 1×1 + bias +
 * fused ReLU → output [1,4,4,2]. The layout offsets of interesting fields are reported so that
 * tests can corrupt exactly one thing.
 */
#ifndef EMOC_TESTS_TFLITE_FIXTURE_H
#define EMOC_TESTS_TFLITE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tfl_fixture {
    uint8_t buf[4096];
    size_t size;
    /* byte positions in buf */
    size_t model_table;          /* Model table (its soffset) */
    size_t opcode_conv_code;     /* OperatorCode[1].builtin_code (int32) */
    size_t opcode_conv_dep;      /* OperatorCode[1].deprecated_builtin_code (int8) */
    size_t op1_inputs_vec;       /* Operator[1].inputs vector (length word) */
    size_t op0_outputs_vec;      /* Operator[0].outputs vector */
    size_t buffer1_data_vec;     /* Buffer[1].data vector (length word) */
    size_t tensor1_table;        /* Tensor[1] table (the fp16 weight) */
    size_t tensor1_type;         /* Tensor[1].type byte */
} tfl_fixture;

/* Fills f with the valid model. */
void tfl_fixture_build(tfl_fixture *f);

static inline void tfl_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif
