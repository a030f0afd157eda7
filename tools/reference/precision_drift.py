#!/usr/bin/env python3
"""precision_drift.py — drift of the reduced-precision GEMM paths against emoc's own fp32
(docs/precision.md §2).

For each model: the conformance inputs (NAME.{face,gradient,noise}.f32 beside it) and N
perturbed copies of each (seeded: Gaussian noise σ 0.3 plus a per-channel brightness shift
in [-0.5, 0.5], in the normalised input space) run through `emoc predict --tensor` at fp32 and
with EMOC_GEMM_DTYPE=bf16 / int8. Prints per model and dtype: max |Δ| of scores and of the
embedding relative to max |fp32| (conformance inputs and all inputs), and the share of inputs
whose argmax class agrees with fp32.

usage: precision_drift.py EMOC_BIN DIR MODEL.emw:INPUT_PREFIX[:BF16.emw:INT8.emw] ... [--n N] [--threads T]
With the two extra files (`emoc convert --dtype bf16|int8`, EMW 1.2) the bf16/int8 rows are those
files' outputs instead of the EMOC_GEMM_DTYPE override's.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def run(emoc, model, tensors, dtype, threads):
    env = dict(os.environ)
    env.pop("EMOC_GEMM_DTYPE", None)
    if dtype != "fp32":
        env["EMOC_GEMM_DTYPE"] = dtype
    cmd = [emoc, "predict", "-m", model, "--format", "jsonl", "--embedding", "--threads", str(threads)]
    for t in tensors:
        cmd += ["--tensor", t]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    assert len(rows) == len(tensors), (model, dtype, len(rows))
    return rows


def main():
    args = sys.argv[1:]
    n, threads = 100, 1
    if "--n" in args:
        i = args.index("--n"); n = int(args[i + 1]); del args[i:i + 2]
    if "--threads" in args:
        i = args.index("--threads"); threads = int(args[i + 1]); del args[i:i + 2]
    emoc, d = args[0], args[1]
    rng = np.random.default_rng(14)
    print("| model | dtype | scores max|Δ|/max|fp32| (conformance) | (all inputs) | embedding (conformance) | (all) | argmax agreement |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args[2:]:
            parts = spec.split(":")
            model, prefix = parts[0], parts[1]
            files = dict(zip(("bf16", "int8"), parts[2:4]))
            base = [os.path.join(d, f"{prefix}.{k}.f32") for k in ("face", "gradient", "noise")]
            tensors = list(base)
            for b in base:
                x = np.fromfile(b, dtype="<f4")
                s = int(round((x.size / 3) ** 0.5))
                x = x.reshape(3, s, s)
                for j in range(n // len(base)):
                    y = x + rng.normal(0, 0.3, x.shape) + rng.uniform(-0.5, 0.5, (3, 1, 1))
                    p = os.path.join(tmp, f"{prefix}.{len(tensors)}.f32")
                    y.astype("<f4").tofile(p)
                    tensors.append(p)
            ref = run(emoc, os.path.join(d, model), tensors, "fp32", threads)
            for dtype in ("bf16", "int8"):
                if dtype in files:
                    got = run(emoc, os.path.join(d, files[dtype]), tensors, "fp32", threads)
                else:
                    got = run(emoc, os.path.join(d, model), tensors, dtype, threads)
                def rel(key, rows_r, rows_g):
                    worst = 0.0
                    for r, g in zip(rows_r, rows_g):
                        a, b = np.array(r[key]), np.array(g[key])
                        worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-30)))
                    return worst
                k = len(base)
                agree = sum(int(np.argmax(r["scores"][:8]) == np.argmax(g["scores"][:8])) for r, g in zip(ref, got))
                print(f"| {prefix} | {dtype} | {rel('scores', ref[:k], got[:k]):.2e} | {rel('scores', ref, got):.2e} | "
                      f"{rel('embedding', ref[:k], got[:k]):.2e} | {rel('embedding', ref, got):.2e} | "
                      f"{agree}/{len(tensors)} |", flush=True)


if __name__ == "__main__":
    main()
