/*
 * convert_layout.c — the last step of `emoc convert`: store every tensor the network reads only
 * through the GEMM or the depthwise kernels in the layout those read (weights/FORMAT.md §4.1:
 * GEMM panels of 32, depthwise [kh][kw][C]), so that loading the file re-lays nothing out and
 * the weights are used where they lie in the loaded file.
 *
 * Which tensors those are is asked of the plan builder itself: the converted file is built once
 * in memory (every check of a normal load runs) and the builder reports how each tensor was
 * read. A file that does not build as a network (an mtl_head, an unknown architecture) keeps
 * row-major tensors and stays format 1.0.
 */
#include "engine/core/core.h"
#include "engine/base/error.h"
#include "weights/convert.h"

#include <stdlib.h>

emoc_status emoc__convert_build(emw_writer *w, uint8_t **buf, emoc_model **m,
                                emoc_status *load_st, emoc_error *lerr, emoc_error *err)
{
    *buf = NULL;
    *m = NULL;
    *load_st = EMOC_OK;
    size_t size = 0;
    emoc_status st = emw_writer_to_memory(w, buf, &size);
    if (st != EMOC_OK) return emoc__fail(err, st, "%s", emw_writer_error(w));
    emoc_options o;
    emoc_options_default(&o);
    if ((*load_st = emoc_model_load_memory_inplace(*buf, size, &o, m, lerr)) != EMOC_OK) {
        free(*buf);
        *buf = NULL;
        *m = NULL;
    }
    return EMOC_OK;
}

emoc_status emoc__convert_kernel_layout(emw_writer *w, int *n_packed, emoc_error *err)
{
    if (n_packed) *n_packed = 0;
    uint8_t *buf = NULL;
    emoc_model *m = NULL;
    emoc_error lerr = {{0}};
    emoc_status load_st;
    emoc_status st = emoc__convert_build(w, &buf, &m, &load_st, &lerr, err);
    if (st != EMOC_OK || !m) return st; /* !m: not a network this build runs: keep rows */
    for (size_t i = 0; st == EMOC_OK && i < m->emw.n_tensors; i++) {
        int layout = emoc__model_kernel_layout(m, i);
        emw_dtype dt = m->emw.tensors[i].dtype;
        if (layout == EMW_LAYOUT_ROWS || dt == EMW_BF16 || dt == EMW_I8) continue; /* rows only */
        st = emw_writer_set_layout(w, m->emw.tensors[i].name, (emw_layout)layout);
        if (st != EMOC_OK) emoc__fail(err, st, "%s", emw_writer_error(w));
        else if (n_packed) (*n_packed)++;
    }
    emoc_model_free(m);
    free(buf);
    return st;
}
