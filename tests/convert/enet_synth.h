/*
 * enet_synth.h — builds, in memory, an ONNX file shaped like the EmotiEffLib EfficientNet
 * exports (timm tf_efficientnet_b0_ns / b2_ns through torch.onnx, docs/models.md §6): Identity
 * nodes re-emitting de-duplicated initializers, Pad nodes fed by a Shape/Gather/Sub/Concat/Cast
 * subgraph before the five stride-2 convs, SiLU as Sigmoid+Mul, SE as ReduceMean → Conv → SiLU →
 * Conv → Sigmoid → Mul, GlobalAveragePool, Flatten, Gemm. Weights are a deterministic function
 * of (tensor id, element index) so tests can check what the converter wrote.
 * Options inject the faults the converter must name.
 */
#ifndef EMOC_TESTS_ENET_SYNTH_H
#define EMOC_TESTS_ENET_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct enet_synth_opts {
    int b2;                 /* 0: B0 (224), 1: B2 (260) */
    int n_scores;           /* 7, 8 or 10 */
    int trans_b;            /* Gemm transB attribute (weight [N][D] when 1, [D][N] when 0) */
    int drop_pad_stage;     /* stage (1,2,3,5) whose stride-2 dw conv gets no Pad; 0 = none */
    int softmax_tail;       /* append a Softmax after the Gemm */
} enet_synth_opts;

/* Weight value of element i of the tensor with id `tid` (ids in creation order). */
float enet_synth_value(int tid, uint64_t i);

/* Returns a malloc'ed ONNX file and its size; NULL on allocation failure. */
uint8_t *enet_synth_build(const enet_synth_opts *o, size_t *size);

/* Tensor ids of some weights, for value checks (set by the last enet_synth_build). */
extern int enet_synth_stem_w_id, enet_synth_gemm_w_id, enet_synth_gemm_b_id;



#include "engine/emw/emw.h"
/* Synthetic export converted to EMW (emoc__convert_onnx), with input.size rewritten to
 * `input_size` (0 keeps the variant's) so tests can run the net at small sizes. Returns a
 * malloc'ed EMW file or NULL (message in err). */
uint8_t *enet_synth_emw(const enet_synth_opts *o, const char *source_name, int input_size,
                        size_t *size, emoc_error *err);
#endif
