#!/usr/bin/python3
"""Generates the MobileFaceNet-shaped malformed ONNX fixtures of tests/fixtures/onnx/ (committed).

Each starts like mbf_va_mtl.onnx as the authors' exporter writes it (spec §2.3: Conv with the BN
folded in, PRelu with a [C,1,1] slope initializer) and then breaks one rule, so the converter
must name the node and what it expected there:

mbf_relu.onnx            stem Conv 3→128 s2, then Relu instead of PRelu.
mbf_bad_group.onnx       stem + PRelu, then the second conv with group 32 instead of 64.
mbf_slope_input.onnx     stem, then PRelu whose slope is a graph input (not a constant).
mbf_truncated_tail.onnx  stem + PRelu + grouped conv + PRelu and nothing more.

Usage: /usr/bin/python3 tools/reference/onnx_fixtures/make_mbf_fixtures.py [OUTDIR]
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "fixtures", "onnx")
rng = np.random.default_rng(7)


def arr(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)


def conv(name, x, y, w, b, group=1, stride=1):
    return helper.make_node("Conv", [x, w, b], [y], name=name, kernel_shape=[3, 3],
                            strides=[stride, stride], pads=[1, 1, 1, 1], group=group,
                            dilations=[1, 1])


def build(tail, name):
    inits = [arr("w0", 128, 3, 3, 3), arr("b0", 128)]
    nodes = [conv("stem", "input", "c0", "w0", "b0", stride=2)]
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 112, 112])]
    out = tail(nodes, inits, inputs)
    g = helper.make_graph(nodes, "mbf", inputs,
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                          initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)],
                          producer_name="emoc-fixtures")
    m.ir_version = 6
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(m.SerializeToString())


def relu_tail(nodes, inits, inputs):
    nodes.append(helper.make_node("Relu", ["c0"], ["r0"], name="act0"))
    return "r0"


def prelu(nodes, inits, x, y, name, slope="s0"):
    if slope not in [i.name for i in inits]:
        inits.append(arr(slope, 128, 1, 1))
    nodes.append(helper.make_node("PRelu", [x, slope], [y], name=name))


def bad_group_tail(nodes, inits, inputs):
    prelu(nodes, inits, "c0", "p0", "act0")
    inits += [arr("w1", 128, 4, 3, 3), arr("b1", 128)]
    nodes.append(conv("conv2", "p0", "c1", "w1", "b1", group=32))
    return "c1"


def slope_input_tail(nodes, inits, inputs):
    inputs.append(helper.make_tensor_value_info("slope", TensorProto.FLOAT, [128, 1, 1]))
    nodes.append(helper.make_node("PRelu", ["c0", "slope"], ["p0"], name="act0"))
    return "p0"


def truncated_tail(nodes, inits, inputs):
    prelu(nodes, inits, "c0", "p0", "act0")
    inits += [arr("w1", 128, 2, 3, 3), arr("b1", 128)]
    nodes.append(conv("conv2", "p0", "c1", "w1", "b1", group=64))
    prelu(nodes, inits, "c1", "p1", "act1", slope="s1")
    return "p1"


if __name__ == "__main__":
    build(relu_tail, "mbf_relu.onnx")
    build(bad_group_tail, "mbf_bad_group.onnx")
    build(slope_input_tail, "mbf_slope_input.onnx")
    build(truncated_tail, "mbf_truncated_tail.onnx")
