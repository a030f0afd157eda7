/* onnx_pending.c — writing the weights an ONNX graph matcher found (onnx_pending.h). */
#include "weights/onnx_pending.h"

#include "engine/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void emoc__onnx_pending_set(emoc__onnx_pending *p, const char *name, const emoc_onnx_tensor *t,
                            int rank, const int64_t *dims, int transpose, float scale)
{
    snprintf(p->name, sizeof p->name, "%s", name);
    p->t = t;
    p->rank = rank;
    memcpy(p->dims, dims, (size_t)rank * sizeof dims[0]);
    p->transpose = transpose;
    p->scale = scale;
}

/* One tensor's values as stored: decoded, [D][N] → [N][D] when transposed, scaled. */
static emoc_status values(const emoc__onnx_pending *p, uint64_t count, float *data, float *src,
                          const char *net, emoc_error *err)
{
    if (!p->t) return EMOC_OK; /* zeros */
    if (p->t->count != count)
        return emoc__fail(err, EMOC_E_SHAPE, "%s: tensor '%s' ('%s') has %llu values, expected %llu",
                          net, p->name, p->t->name, (unsigned long long)p->t->count,
                          (unsigned long long)count);
    emoc_status st = emoc__onnx_tensor_f32(p->t, src ? src : data, err);
    if (st != EMOC_OK) return st;
    if (p->transpose) {
        int64_t nn = p->dims[0], dd = p->dims[1];
        for (int64_t r = 0; r < nn; r++)
            for (int64_t c = 0; c < dd; c++) data[r * dd + c] = src[c * nn + r];
    }
    if (p->scale != 1.0f)
        for (uint64_t k = 0; k < count; k++) data[k] *= p->scale;
    return EMOC_OK;
}

emoc_status emoc__onnx_pending_write(const emoc__onnx_pending *t, int n,
                                     const emoc_convert_opts *opts, emw_writer *w,
                                     const char *net, emoc_error *err)
{
    for (int i = 0; i < n; i++) {
        const emoc__onnx_pending *p = &t[i];
        uint64_t count = 1;
        for (int d = 0; d < p->rank; d++) count *= (uint64_t)p->dims[d];
        float *data = calloc(count ? count : 1, sizeof(float));
        float *src = p->transpose ? calloc(count ? count : 1, sizeof(float)) : NULL;
        emoc_status st = !data || (p->transpose && !src)
                             ? emoc__fail(err, EMOC_E_NOMEM, "%s: out of memory for tensor '%s'",
                                          net, p->name)
                             : values(p, count, data, src, net, err);
        if (st == EMOC_OK)
            st = emoc__convert_add_tensor(w, opts, p->name, p->rank, p->dims, data, err);
        free(data);
        free(src);
        if (st != EMOC_OK) return st;
    }
    return EMOC_OK;
}
