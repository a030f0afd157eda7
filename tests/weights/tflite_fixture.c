/*
 * tflite_fixture.c — a forward flatbuffer writer, just enough for tflite_fixture.h.
 * Each table is written as its vtable followed by the table; reference fields are written as
 * placeholders and patched when the child (always written later, so uoffsets stay positive)
 * is placed.
 */
#include "tests/weights/tflite_fixture.h"

#include <string.h>

typedef struct fbw {
    tfl_fixture *f;
} fbw;

enum { F_NONE, F_U8, F_I32, F_REF };

typedef struct fld {
    int kind;
    uint32_t v;
} fld;

static size_t align4(tfl_fixture *f)
{
    while (f->size % 4) f->buf[f->size++] = 0;
    return f->size;
}

/* Writes a table with n fields; ref_pos[i] receives the position of reference field i. */
static size_t table(tfl_fixture *f, int n, const fld *fields, size_t *ref_pos)
{
    align4(f);
    /* table layout: soffset, then 4-byte slots per present field (u8 fields use a slot too) */
    unsigned tsize = 4;
    uint16_t offs[16] = {0};
    for (int i = 0; i < n; i++)
        if (fields[i].kind != F_NONE) {
            offs[i] = (uint16_t)tsize;
            tsize += 4;
        }
    size_t vt = f->size;
    unsigned vsize = 4 + 2 * (unsigned)n;
    f->buf[vt] = (uint8_t)vsize;
    f->buf[vt + 1] = 0;
    f->buf[vt + 2] = (uint8_t)tsize;
    f->buf[vt + 3] = 0;
    for (int i = 0; i < n; i++) {
        f->buf[vt + 4 + 2 * i] = (uint8_t)offs[i];
        f->buf[vt + 5 + 2 * i] = 0;
    }
    f->size = vt + vsize;
    size_t t = align4(f);
    tfl_put32(f->buf + t, (uint32_t)(t - vt));
    memset(f->buf + t + 4, 0, tsize - 4);
    for (int i = 0; i < n; i++) {
        size_t p = t + offs[i];
        if (fields[i].kind == F_U8) f->buf[p] = (uint8_t)fields[i].v;
        if (fields[i].kind == F_I32) tfl_put32(f->buf + p, fields[i].v);
        if (ref_pos) ref_pos[i] = fields[i].kind == F_REF ? p : 0;
    }
    f->size = t + tsize;
    return t;
}

static void patch(tfl_fixture *f, size_t field_pos, size_t target)
{
    tfl_put32(f->buf + field_pos, (uint32_t)(target - field_pos));
}

static size_t vec_i32(tfl_fixture *f, int n, const int32_t *v)
{
    size_t at = align4(f);
    tfl_put32(f->buf + at, (uint32_t)n);
    for (int i = 0; i < n; i++) tfl_put32(f->buf + at + 4 + 4 * (size_t)i, (uint32_t)v[i]);
    f->size = at + 4 + 4 * (size_t)n;
    return at;
}

static size_t vec_bytes(tfl_fixture *f, size_t n, const void *v)
{
    size_t at = align4(f);
    tfl_put32(f->buf + at, (uint32_t)n);
    memcpy(f->buf + at + 4, v, n);
    f->size = at + 4 + n;
    f->buf[f->size++] = 0; /* strings are NUL-terminated; harmless for byte vectors */
    return at;
}

/* Vector of n references; element positions in elem[]. */
static size_t vec_refs(tfl_fixture *f, int n, size_t *elem)
{
    size_t at = align4(f);
    tfl_put32(f->buf + at, (uint32_t)n);
    for (int i = 0; i < n; i++) elem[i] = at + 4 + 4 * (size_t)i;
    f->size = at + 4 + 4 * (size_t)n;
    return at;
}

static size_t tensor(tfl_fixture *f, const int32_t *shape, int type, int buffer,
                     const char *name)
{
    size_t r[4];
    fld fl[4] = {{F_REF, 0}, {F_U8, (uint32_t)type}, {F_I32, (uint32_t)buffer}, {F_REF, 0}};
    size_t t = table(f, 4, fl, r);
    patch(f, r[0], vec_i32(f, 4, shape));
    patch(f, r[3], vec_bytes(f, strlen(name), name));
    return t;
}

void tfl_fixture_build(tfl_fixture *f)
{
    memset(f, 0, sizeof *f);
    f->size = 8;
    memcpy(f->buf + 4, "TFL3", 4);
    /* Model: version, operator_codes, subgraphs, description (absent), buffers */
    size_t mr[5];
    fld mf[5] = {{F_I32, 3}, {F_REF, 0}, {F_REF, 0}, {F_NONE, 0}, {F_REF, 0}};
    f->model_table = table(f, 5, mf, mr);
    tfl_put32(f->buf, (uint32_t)f->model_table);

    size_t oc[2];
    patch(f, mr[1], vec_refs(f, 2, oc));
    size_t r[8];
    fld deq[4] = {{F_U8, 6}, {F_NONE, 0}, {F_I32, 1}, {F_I32, 6}};
    patch(f, oc[0], table(f, 4, deq, r));
    fld conv[4] = {{F_U8, 3}, {F_NONE, 0}, {F_I32, 1}, {F_I32, 3}};
    size_t ct = table(f, 4, conv, r);
    patch(f, oc[1], ct);
    f->opcode_conv_dep = ct + 4;
    f->opcode_conv_code = ct + 12;

    size_t sgs[1];
    patch(f, mr[2], vec_refs(f, 1, sgs));
    size_t sr[4];
    fld sg[4] = {{F_REF, 0}, {F_REF, 0}, {F_REF, 0}, {F_REF, 0}};
    patch(f, sgs[0], table(f, 4, sg, sr));

    /* tensors: 0 input f32, 1 weight f16 (buffer 1), 2 weight f32, 3 bias f32 (buffer 2),
     * 4 output */
    size_t te[5];
    patch(f, sr[0], vec_refs(f, 5, te));
    const int32_t act[4] = {1, 4, 4, 2}, wsh[4] = {2, 1, 1, 2}, bsh[1] = {2};
    patch(f, te[0], tensor(f, act, 0, 0, "input"));
    f->tensor1_table = tensor(f, wsh, 1, 1, "conv/Kernel");
    f->tensor1_type = f->tensor1_table + 8;
    patch(f, te[1], f->tensor1_table);
    patch(f, te[2], tensor(f, wsh, 0, 0, "conv/Kernel_dequantize"));
    {
        size_t tr[4];
        fld fl[4] = {{F_REF, 0}, {F_U8, 0}, {F_I32, 2}, {F_REF, 0}};
        size_t t = table(f, 4, fl, tr);
        patch(f, tr[0], vec_i32(f, 1, bsh));
        patch(f, tr[3], vec_bytes(f, 4, "bias"));
        patch(f, te[3], t);
    }
    patch(f, te[4], tensor(f, act, 0, 0, "output"));
    const int32_t in0[1] = {0}, out4[1] = {4};
    patch(f, sr[1], vec_i32(f, 1, in0));
    patch(f, sr[2], vec_i32(f, 1, out4));

    /* operators */
    size_t ops[2];
    patch(f, sr[3], vec_refs(f, 2, ops));
    fld o0[3] = {{F_I32, 0}, {F_REF, 0}, {F_REF, 0}};
    patch(f, ops[0], table(f, 3, o0, r));
    const int32_t i0[1] = {1}, q0[1] = {2};
    patch(f, r[1], vec_i32(f, 1, i0));
    f->op0_outputs_vec = vec_i32(f, 1, q0);
    patch(f, r[2], f->op0_outputs_vec);
    fld o1[5] = {{F_I32, 1}, {F_REF, 0}, {F_REF, 0}, {F_U8, 1}, {F_REF, 0}};
    patch(f, ops[1], table(f, 5, o1, r));
    const int32_t i1[3] = {0, 2, 3};
    f->op1_inputs_vec = vec_i32(f, 3, i1);
    patch(f, r[1], f->op1_inputs_vec);
    patch(f, r[2], vec_i32(f, 1, out4));
    /* Conv2DOptions: padding VALID, stride 1/1, fused RELU */
    fld co[4] = {{F_U8, 1}, {F_I32, 1}, {F_I32, 1}, {F_U8, 1}};
    patch(f, r[4], table(f, 4, co, NULL));

    /* buffers: 0 empty, 1 fp16 weights [1, -2, 0.5, 3], 2 f32 bias [0.25, -1] */
    size_t bu[3];
    patch(f, mr[4], vec_refs(f, 3, bu));
    patch(f, bu[0], table(f, 0, NULL, NULL));
    fld bf[1] = {{F_REF, 0}};
    size_t br[1];
    patch(f, bu[1], table(f, 1, bf, br));
    const uint8_t w16[8] = {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x42};
    f->buffer1_data_vec = vec_bytes(f, 8, w16);
    patch(f, br[0], f->buffer1_data_vec);
    patch(f, bu[2], table(f, 1, bf, br));
    const float bias[2] = {0.25f, -1.0f};
    patch(f, br[0], vec_bytes(f, 8, bias));
    f->size -= 1; /* the model ends with the last bias byte: every truncation cuts real data */
}
