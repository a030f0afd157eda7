#!/usr/bin/env python3
"""`emoc convert` on mutated copies of the MobileViT replica's ONNX (out/mobilevit_va_mtl.onnx):
each mutation must be refused with a message that names the node and what was expected there
(or, for a harmless rewrite, still convert). Run by conformance.sh when mobilevit_va_mtl is
listed; prints one line per case and exits 1 if any case misbehaves.

usage: mvit_refusals.py EMOC_BIN OUT_DIR
"""
import os
import subprocess
import sys
import tempfile

import onnx
from onnx import helper


def nodes(m, op):
    return [n for n in m.graph.node if n.op_type == op]


def set_attr(node, name, value):
    for a in list(node.attribute):
        if a.name == name:
            node.attribute.remove(a)
    node.attribute.append(helper.make_attribute(name, value))


def mut_resize_half_pixel(m):
    n = nodes(m, "Resize")[0]
    set_attr(n, "coordinate_transformation_mode", "half_pixel")
    return n.name, "align_corners"


def mut_unfold_perm(m):
    n = nodes(m, "Transpose")[0]
    set_attr(n, "perm", [0, 1, 2, 4, 3, 5])
    return n.name, "unfold"


def mut_softmax_axis(m):
    n = nodes(m, "Softmax")[1]
    set_attr(n, "axis", 2)
    return n.name, "softmax over patches"


def mut_relu_to_sigmoid(m):
    n = nodes(m, "Relu")[0]
    n.op_type = "Sigmoid"
    return n.name, "Relu"


def mut_gn_scale(m):
    n = nodes(m, "InstanceNormalization")[3]
    t = helper.make_tensor(n.name + "_scale2", onnx.TensorProto.FLOAT, [1], [2.0])
    m.graph.initializer.append(t)
    n.input[1] = t.name
    return n.name, "scale 1 and bias 0"


def mut_extra_reader(m):
    """A stray Relu reading an activation, exported as a second output: nothing may be dropped."""
    conv = nodes(m, "Conv")[20]
    extra = helper.make_node("Relu", [conv.output[0]], ["stray_out"], name="stray_relu")
    m.graph.node.append(extra)
    m.graph.output.append(helper.make_tensor_value_info("stray_out", onnx.TensorProto.FLOAT, None))
    return "stray_relu", "not part of mobilevitv2_150"


def mut_shortcut_removed(m):
    """stages.1.1's skip Add replaced by an Identity of the projection: the table says +skip."""
    for n in nodes(m, "Add"):
        if "stages.1.1" in n.output[0] or "stages.1/stages.1.1" in n.name:
            keep = n.input[1] if "conv3" in n.input[1] else n.input[0]
            n.op_type = "Identity"
            del n.input[:]
            n.input.append(keep)
            return "stages.1.1", "+skip"
    raise SystemExit("mvit_refusals: no stages.1.1 Add in the replica")


def mut_expand_dropped(m):
    """The broadcast Expand bypassed (Mul broadcasts by itself): still mobilevitv2_150."""
    for ex in nodes(m, "Expand"):
        for n in m.graph.node:
            for i, v in enumerate(n.input):
                if v == ex.output[0]:
                    n.input[i] = ex.input[0]
    for ex in nodes(m, "Expand"):
        m.graph.node.remove(ex)
    return None, None


CASES = [mut_resize_half_pixel, mut_unfold_perm, mut_softmax_axis, mut_relu_to_sigmoid,
         mut_gn_scale, mut_extra_reader, mut_shortcut_removed, mut_expand_dropped]


def main():
    emoc, out = sys.argv[1], sys.argv[2]
    src = os.path.join(out, "mobilevit_va_mtl.onnx")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            m = onnx.load(src)
            node, needle = case(m)
            path = os.path.join(tmp, case.__name__ + ".onnx")
            onnx.save(m, path)
            r = subprocess.run([emoc, "convert", path, "-o", os.path.join(tmp, "x.emw")],
                               capture_output=True, text=True)
            msg = (r.stderr + r.stdout).strip().replace("\n", " ")
            if node is None:
                ok = r.returncode == 0
                want = "converts"
            else:
                ok = r.returncode != 0 and "mobilevit:" in msg and node in msg and needle in msg
                want = "refused naming '%s' and '%s'" % (node, needle)
            print("mvit refusal %-22s %s: %s%s" % (case.__name__[4:], "ok" if ok else "WRONG", want,
                                                 "" if ok else " — got exit %d: %s" %
                                                 (r.returncode, msg[:400])))
            bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
