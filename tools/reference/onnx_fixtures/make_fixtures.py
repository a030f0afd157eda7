#!/usr/bin/python3
"""Generates the small ONNX fixtures of tests/fixtures/onnx/ (committed; rerun after edits).

Usage: /usr/bin/python3 tools/reference/onnx_fixtures/make_fixtures.py [OUTDIR]

tiny_valid.onnx       reader fixture: raw and typed initializers, an Identity re-emitting an
                      initializer, a Constant node, int/float/ints/floats/string attributes.
wrong_order.onnx      the two nodes of a valid graph swapped (not topologically sorted).
missing_init.onnx     a Conv whose weight names no initializer.
unknown_op.onnx       EfficientNet stem (Pad, Conv s2, SiLU) followed by a Relu.
softmax_tail.onnx     stem then Softmax: not an EfficientNet either.
const_pads_symmetric.onnx  stem whose constant Pad is symmetric (1,1,1,1), not TF-SAME at 32x32.
truncated.onnx        tiny_valid.onnx cut in the middle of the graph.
bad_varint.onnx       a tag whose varint runs 11 bytes.
length_past_end.onnx  a graph field declaring 1000 bytes with 12 present.
nesting_deep.onnx     graphs nested in node attributes 8 levels deep (24 messages).
external_data.onnx    an initializer stored in an external file.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "fixtures", "onnx")


def save(model, name):
    data = model.SerializeToString()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return data


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def model(nodes, inits, inputs, outputs, opset=11):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="emoc-fixtures")
    m.ir_version = 6
    return m


def tiny_valid():
    w = numpy_helper.from_array(np.arange(2 * 3 * 1 * 1, dtype=np.float32).reshape(2, 3, 1, 1) - 2.5,
                                "w_raw")
    b = helper.make_tensor("b_typed", TensorProto.FLOAT, [2], [0.5, -1.25])  # float_data
    shp = helper.make_tensor("shape_i64", TensorProto.INT64, [2], [1, -1])  # int64_data
    nodes = [
        helper.make_node("Identity", ["w_raw"], ["w_alias"], name="dedup"),
        helper.make_node("Constant", [], ["k"], name="const",
                         value=helper.make_tensor("kv", TensorProto.FLOAT, [1], [3.0])),
        helper.make_node("Conv", ["x", "w_alias", "b_typed"], ["y"], name="conv",
                         kernel_shape=[1, 1], strides=[1, 1], pads=[0, 0, 0, 0], group=1),
        helper.make_node("Mul", ["y", "k"], ["z"], name="scale"),
        helper.make_node("Reshape", ["z", "shape_i64"], ["out"], name="flat"),
        helper.make_node("LeakyRelu", ["out"], ["out2"], name="leaky", alpha=0.125),
        helper.make_node("Pad", ["out2"], ["out3"], name="pad_attr", mode="constant",
                         pads=[0, 1, 0, 1], value=0.0),
    ]
    nodes[-1].attribute.append(helper.make_attribute("scales", [1.5, 2.5]))
    return model(nodes, [w, b, shp],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4, 4])],
                 [helper.make_tensor_value_info("out3", TensorProto.FLOAT, None)])


def stem(tail_op, pads=(0, 0, 0, 0, 0, 0, 1, 1)):
    """Pad → Conv(3→32, 3×3, s2) → Sigmoid → Mul → tail_op: an EfficientNet start gone wrong."""
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal((32, 3, 3, 3)).astype(np.float32), "stem_w")
    b = numpy_helper.from_array(np.zeros(32, np.float32), "stem_b")
    pads = numpy_helper.from_array(np.array(pads, np.int64), "pads")
    nodes = [
        helper.make_node("Pad", ["input", "pads"], ["p"], name="pad0", mode="constant"),
        helper.make_node("Conv", ["p", "stem_w", "stem_b"], ["c"], name="conv_stem",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0], group=1),
        helper.make_node("Sigmoid", ["c"], ["s"], name="sig"),
        helper.make_node("Mul", ["c", "s"], ["a"], name="silu"),
        helper.make_node(tail_op, ["a"], ["output"], name="tail"),
    ]
    return model(nodes, [w, b, pads],
                 [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
                 [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)])


def nested(levels):
    leaf = g = helper.make_graph([helper.make_node("Identity", ["a"], ["b"])], "leaf",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1])])
    for i in range(levels):
        node = helper.make_node("If", ["c"], ["b"], name="if%d" % i, then_branch=g, else_branch=leaf)
        g = helper.make_graph([node], "level%d" % i,
                              [helper.make_tensor_value_info("c", TensorProto.BOOL, [1])],
                              [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])
    m.ir_version = 6
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    tiny = save(tiny_valid(), "tiny_valid.onnx")
    m = tiny_valid()
    n0, n2 = m.graph.node[2], m.graph.node[3]
    c0, c2 = onnx.NodeProto(), onnx.NodeProto()
    c0.CopyFrom(n0)
    c2.CopyFrom(n2)
    m.graph.node[2].CopyFrom(c2)
    m.graph.node[3].CopyFrom(c0)
    save(m, "wrong_order.onnx")
    m = tiny_valid()
    m.graph.node[2].input[2] = "b_missing"
    save(m, "missing_init.onnx")
    save(stem("Relu"), "unknown_op.onnx")
    save(stem("Softmax"), "softmax_tail.onnx")
    save(stem("Relu", (0, 0, 1, 1, 0, 0, 1, 1)), "const_pads_symmetric.onnx")
    write("truncated.onnx", tiny[: len(tiny) * 2 // 3])
    # ModelProto field 1 (ir_version, varint) whose varint never ends within 10 bytes.
    write("bad_varint.onnx", bytes([0x08]) + bytes([0xff] * 11) + bytes([0x01]))
    # ModelProto field 7 (graph, length-delimited) declaring 1000 bytes; 12 follow.
    write("length_past_end.onnx", bytes([0x08, 0x06, 0x3a, 0xe8, 0x07]) + bytes(12))
    save(nested(8), "nesting_deep.onnx")
    m = tiny_valid()
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "weights.bin"
    save(m, "external_data.onnx")


if __name__ == "__main__":
    main()
