/* test_tflite_reader.c — the TFLite flatbuffer reader (weights/tflite_read.c) on a synthetic
 * model (tests/weights/tflite_fixture.c) and on malformed copies of it: each corruption is
 * refused with its own message naming the byte offset, never a crash (the suite also runs
 * under ASan/UBSan: make test SANITIZE=1). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/weights/tflite_fixture.h"
#include "weights/tflite.h"

static emoc_status parse(const uint8_t *buf, size_t n, emoc_error *err)
{
    emoc_tfl_model m;
    emoc_status st = emoc_tfl_parse(buf, n, &m, err);
    if (st == EMOC_OK) emoc_tfl_free(&m);
    return st;
}

#define expect_refused(f, status, text)                                                         \
    do {                                                                                       \
        emoc_error err_ = {{0}};                                                               \
        emoc_status st_ = parse((f)->buf, (f)->size, &err_);                                   \
        cr_assert_eq(st_, status, "status %d, message: %s", st_, err_.msg);                   \
        cr_assert(strstr(err_.msg, text), "message '%s' lacks '%s'", err_.msg, text);         \
    } while (0)

Test(tflite_reader, valid_fixture_fields_and_values)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    emoc_tfl_model m;
    emoc_error err = {{0}};
    cr_assert_eq(emoc_tfl_parse(f.buf, f.size, &m, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(m.version, 3);
    cr_assert_eq(m.n_tensors, 5);
    cr_assert_eq(m.n_ops, 2);
    cr_assert_eq(m.n_inputs, 1);
    cr_assert_eq(m.inputs[0], 0);
    cr_assert_eq(m.outputs[0], 4);
    cr_assert_eq(m.ops[0].code, EMOC_TFL_DEQUANTIZE);
    cr_assert_eq(m.ops[1].code, EMOC_TFL_CONV_2D);
    cr_assert_str_eq(emoc_tfl_op_name(m.ops[1].code), "CONV_2D");
    cr_assert_eq(m.ops[1].n_in, 3);
    cr_assert_eq(m.ops[1].in[2], 3);
    cr_assert_eq(m.ops[1].options_type, 1);
    cr_assert_eq(m.ops[1].opt.padding, EMOC_TFL_PAD_VALID);
    cr_assert_eq(m.ops[1].opt.act, EMOC_TFL_ACT_RELU);
    cr_assert_eq(m.ops[1].opt.stride_w, 1);
    const emoc_tfl_tensor *w = &m.tensors[1];
    cr_assert_str_eq(w->name, "conv/Kernel");
    cr_assert_eq(w->type, EMOC_TFL_FLOAT16);
    cr_assert_eq(w->rank, 4);
    cr_assert_eq(w->count, 4);
    float v[4];
    cr_assert_eq(emoc_tfl_tensor_f32(w, v, &err), EMOC_OK, "%s", err.msg);
    cr_assert(v[0] == 1.0f && v[1] == -2.0f && v[2] == 0.5f && v[3] == 3.0f);
    float b[2];
    cr_assert_eq(emoc_tfl_tensor_f32(&m.tensors[3], b, &err), EMOC_OK, "%s", err.msg);
    cr_assert(b[0] == 0.25f && b[1] == -1.0f);
    /* the f32 dequantized weight has no data: decoding it is an error, not garbage */
    cr_assert_eq(emoc_tfl_tensor_f32(&m.tensors[2], v, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "no constant data"), "%s", err.msg);
    emoc_tfl_free(&m);
}

Test(tflite_reader, truncated_at_every_offset)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    for (size_t n = 0; n < f.size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches any read past n */
        memcpy(copy, f.buf, n);
        emoc_error err = {{0}};
        emoc_status st = parse(copy, n, &err);
        free(copy);
        cr_assert_neq(st, EMOC_OK, "truncation at %zu accepted", n);
        cr_assert(!strncmp(err.msg, "tflite: byte ", 13), "at %zu: '%s'", n, err.msg);
        if (n < 8) cr_assert(strstr(err.msg, "8-byte header"), "at %zu: '%s'", n, err.msg);
    }
}

Test(tflite_reader, not_a_tflite_file)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    memcpy(f.buf + 4, "ONNX", 4);
    expect_refused(&f, EMOC_E_FORMAT, "byte 4: file identifier is not \"TFL3\"");
}

Test(tflite_reader, root_vtable_outside_file)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.model_table, 0x7fff0000u);
    expect_refused(&f, EMOC_E_FORMAT, "Model vtable offset 2147418112 points to byte");
}

Test(tflite_reader, root_offset_past_end)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf, (uint32_t)f.size + 100);
    expect_refused(&f, EMOC_E_TRUNCATED, "Model table starts past the end of the file");
}

Test(tflite_reader, vtable_field_outside_table)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    /* Tensor[1]'s vtable: soffset at the table gives the vtable; field 1 (type) slot at +6 */
    uint32_t soff = (uint32_t)f.buf[f.tensor1_table] | (uint32_t)f.buf[f.tensor1_table + 1] << 8;
    size_t vt = f.tensor1_table - soff;
    f.buf[vt + 6] = 200;
    expect_refused(&f, EMOC_E_FORMAT, "Tensor[1].type at table offset 200");
}

Test(tflite_reader, odd_vtable_size)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    uint32_t soff = (uint32_t)f.buf[f.tensor1_table] | (uint32_t)f.buf[f.tensor1_table + 1] << 8;
    f.buf[f.tensor1_table - soff] = 7;
    expect_refused(&f, EMOC_E_FORMAT, "Tensor[1] vtable size 7: expected an even size");
}

Test(tflite_reader, tensor_index_out_of_range)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.op1_inputs_vec + 4, 99);
    expect_refused(&f, EMOC_E_FORMAT, "Operator[1].inputs[0] = 99: expected a tensor index in 0..4");
}

Test(tflite_reader, negative_output_index)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.op0_outputs_vec + 4, (uint32_t)-1);
    expect_refused(&f, EMOC_E_FORMAT, "Operator[0].outputs[0] = -1");
}

Test(tflite_reader, cyclic_op_reads_its_own_output)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    /* CONV_2D reads the tensor it writes (4) as its input */
    tfl_put32(f.buf + f.op1_inputs_vec + 4, 4);
    expect_refused(&f, EMOC_E_FORMAT, "input 0 reads tensor 4 'output', which no earlier operator");
}

Test(tflite_reader, op_reads_a_later_output)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    /* DEQUANTIZE's output is rewritten to the conv output: the conv then reads tensor 2, which
     * nothing produces before it */
    tfl_put32(f.buf + f.op0_outputs_vec + 4, 4);
    expect_refused(&f, EMOC_E_FORMAT, "Operator[1] (CONV_2D) input 1 reads tensor 2");
}

Test(tflite_reader, buffer_claims_more_bytes_than_the_file)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.buffer1_data_vec, 100000);
    expect_refused(&f, EMOC_E_TRUNCATED, "Buffer[1].data claims 100000 elements of 1 bytes");
}

Test(tflite_reader, buffer_size_disagrees_with_shape)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.buffer1_data_vec, 6);
    expect_refused(&f, EMOC_E_FORMAT, "has a 6-byte buffer; expected 8");
}

Test(tflite_reader, unknown_op_code)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.opcode_conv_code, 200);
    expect_refused(&f, EMOC_E_UNSUPPORTED, "OperatorCode[1]: builtin op code 200 is not one");
}

Test(tflite_reader, negative_op_code)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    f.buf[f.opcode_conv_dep] = 0;
    tfl_put32(f.buf + f.opcode_conv_code, (uint32_t)-5);
    expect_refused(&f, EMOC_E_UNSUPPORTED, "builtin op code -5");
}

Test(tflite_reader, unknown_tensor_type)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    f.buf[f.tensor1_type] = 42;
    expect_refused(&f, EMOC_E_UNSUPPORTED, "Tensor[1] type 42: not a TFLite TensorType");
}

Test(tflite_reader, wrong_schema_version)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    tfl_put32(f.buf + f.model_table + 4, 2);
    expect_refused(&f, EMOC_E_VERSION, "Model.version = 2: expected schema version 3");
}
