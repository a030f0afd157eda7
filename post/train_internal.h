/*
 * train_internal.h — pieces of head training shared with the gradient-check test: the double
 * precision parameter layout and one batch's loss + gradient per task.
 */
#ifndef EMOC_POST_TRAIN_INTERNAL_H
#define EMOC_POST_TRAIN_INTERNAL_H

#include "emoc_abaw.h"

/* Parameter block in the order of emoc_mtl_head_view (double while training). */
typedef struct emoc__head_params {
    int e, d, h;                      /* embedding, input width (e+10), AU hidden */
    double *expr_k, *expr_b;          /* [d][8], [8] */
    double *va_k, *va_b;              /* [10][2], [2] */
    double *au1_k, *au1_b;            /* [d][h], [h] */
    double *au2_k, *au2_b;            /* [h][12], [12] */
} emoc__head_params;

void emoc__head_params_bind(emoc__head_params *p, int e, int h, double *block);

/* Per-task constants of the loss. */
typedef struct emoc__loss_cfg {
    double class_w[EMOC_N_EXPR];      /* EXPR class weights (max count / count) */
    double au_w0[EMOC_N_AU], au_w1[EMOC_N_AU];  /* AU weights for y = 0 / y = 1 */
    double l2_expr, l2_va;
} emoc__loss_cfg;

/* Loss of `task` on the samples idx[0..b) (all labelled for the task) and its gradient added
 * into grad (same layout as params; only the task's tensors are touched). scratch: b·(h + 16)
 * doubles. */
double emoc__task_loss_grad(emoc_task task, const emoc__head_params *p, const emoc__loss_cfg *cfg,
                            const emoc_train_set *set, const size_t *idx, size_t b,
                            emoc__head_params *grad, double *scratch);

#endif
