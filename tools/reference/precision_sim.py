#!/usr/bin/env python3
"""precision_sim.py — PyTorch fake-quant simulation of emoc's reduced-precision GEMM rules
(docs/precision.md §3.2), to tell the drift the rule itself causes from the drift of emoc's
implementation of it.

The replica is rebuilt by generate.py (same seeded weights as the files in tools/reference/out)
and run on the conformance inputs written there (NAME.{face,gradient,noise}.f32: note that the
noise input is generate.py's noise for seed + 1000, not make_inputs(seed)). The layers emoc runs
as GEMMs get, per POLICY:
  int8  activations: one scale per pixel row, max_c|x|/127 (row-max); weights: one scale per
        output channel, max_k|w|/127; both clamp(round-half-even(v/s), ±127)·s
  bf16  activations and weights rounded to bf16 (round to nearest even)
  a8 / w8   int8 activations only / int8 weights only (the other operand fp32)
Those layers: every 1×1 convolution with groups 1 and more than 3 input channels, and every
Linear, except CoordAttention's conv_h/conv_w (8–32 input channels; emoc runs them in fp32
inside its gate op). Prints per input the drift of the scores and of the embedding as
precision_drift.py measures it: max|Δ|/max|fp32| of that input, fp32 = PyTorch fp32.

usage: precision_sim.py NET PREFIX [--out DIR] [--policy POLICY[,POLICY...]]
       [--bf16 CLASS[,CLASS...]]   (with int8: keep these layer classes bf16:
                                    proj, exp, ca, head; see classes() below)
  NET as in generate.py's NETS (enet_b0_8_va_mtl, enet_b2_8, mbf_va_mtl, ddamfn),
  PREFIX the input prefix in DIR (default tools/reference/out).
"""
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402

INPUTS = ("face", "gradient", "noise")


def gemm_layers(model):
    out = []
    for n, m in model.named_modules():
        pw = isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1) and m.groups == 1 and m.in_channels > 3
        if not (pw or isinstance(m, nn.Linear)):
            continue
        if (".CA." in n or "CoordAtt" in n) and n[-1] in "23":  # conv_h / conv_w of CoordAtt
            continue
        out.append((n, m))
    return out


def classes(n, m):
    """proj: the linear 1×1 projection of an inverted residual; exp: its 1×1 expansion;
    ca: CoordAttention conv1; head: linear layers, MobileFaceNet's conv_sep, DDAMFN's last 1×1."""
    c = set()
    if ".layers.2.layers.0" in n or "project" in n or "conv_pwl" in n:
        c.add("proj")
    if (".layers.0.layers.0" in n and "features.layers.0." not in n) or n.endswith("conv.conv") or "conv_pw" in n and "conv_pwl" not in n:
        c.add("exp")
    if ".CA." in n or "CoordAtt" in n:
        c.add("ca")
    if isinstance(m, nn.Linear) or "conv_sep" in n or re.fullmatch(r"features\.\d+\.conv", n) or "conv_head" in n:
        c.add("head")
    return c


def q8(t, s):
    return torch.clamp(torch.round(t / s), -127, 127) * s


def bf16(t):
    return t.to(torch.bfloat16).to(torch.float32)


def wrap(m, policy_of):
    orig = m.forward

    def fwd(x):
        p = policy_of(m)
        if p == "fp32":
            return orig(x)
        w = m.weight
        if p == "bf16":
            xq, wq = bf16(x), bf16(w)
        else:
            xq, wq = x, w
            if p in ("int8", "a8"):
                xq = q8(x, x.abs().amax(1, keepdim=True).clamp_min(1e-30) / 127)
            if p in ("int8", "w8"):
                sw = w.abs().reshape(w.shape[0], -1).amax(1).clamp_min(1e-12) / 127
                wq = q8(w, sw.reshape((-1,) + (1,) * (w.dim() - 1)))
        if x.dim() == 4:
            return F.conv2d(xq, wq, m.bias, m.stride, m.padding, m.dilation, m.groups)
        return F.linear(xq, wq, m.bias)
    m.forward = fwd


def main():
    args = sys.argv[1:]
    d, policies, keep = os.path.join(HERE, "out"), ["int8", "bf16", "a8", "w8"], set()
    if "--out" in args:
        i = args.index("--out"); d = args[i + 1]; del args[i:i + 2]
    if "--policy" in args:
        i = args.index("--policy"); policies = args[i + 1].split(","); del args[i:i + 2]
    if "--bf16" in args:
        i = args.index("--bf16"); keep = set(args[i + 1].split(",")); del args[i:i + 2]
    net, prefix = args
    torch.set_num_threads(1)
    size = G.NETS[net][1]
    model = G.build(net).eval()
    xs = np.concatenate([np.fromfile(os.path.join(d, f"{prefix}.{k}.f32"), dtype="<f4")
                         .reshape(1, 3, size, size) for k in INPUTS])
    ref_s, ref_e = G.scores_and_embedding(net, model, xs)
    layers = gemm_layers(model)
    cls = {id(m): classes(n, m) for n, m in layers}
    state = {"p": "fp32"}
    for _, m in layers:
        wrap(m, lambda m: "bf16" if state["p"] == "int8" and cls[id(m)] & keep else state["p"])
    nkeep = sum(1 for _, m in layers if cls[id(m)] & keep)
    print(f"{net}: {len(layers)} GEMM layers" + (f", {nkeep} kept bf16 ({','.join(sorted(keep))})" if keep else ""))
    print("| policy | scores: " + " | ".join(INPUTS) + " | max | embedding max |")
    for p in policies:
        state["p"] = p
        s, e = G.scores_and_embedding(net, model, xs)
        ds = [float(np.abs(s[i] - ref_s[i]).max() / np.abs(ref_s[i]).max()) for i in range(len(INPUTS))]
        de = [float(np.abs(e[i] - ref_e[i]).max() / np.abs(ref_e[i]).max()) for i in range(len(INPUTS))]
        print(f"| {p} | " + " | ".join(f"{v:.2e}" for v in ds) + f" | {max(ds):.2e} | {max(de):.2e} |", flush=True)


if __name__ == "__main__":
    main()
