#!/usr/bin/env python3
"""torch_bench.py — PyTorch eager latency of the tools/reference replicas (Debian python3-torch).

usage: torch_bench.py [--threads 1,2] [--runs 50] [--warmup 3] NET ...   (NET as in generate.py)
Each net: the seeded replica in eval mode under torch.inference_mode(), input = its face tensor
from tools/reference/out/ (or noise if absent), torch.set_num_threads(T); warm-up runs, then
`runs` timed forward passes. One JSON object per line, like ort_bench.js:
  {"runtime":"pytorch-eager","version":...,"model":NET,"threads":T,"runs":R,"median_ms":...,"min_ms":...,
   "cpu_median_ms": process CPU time per forward, all threads}
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.path.join(ROOT, "tools", "reference")
sys.path.insert(0, REF)

import generate  # noqa: E402


def bench(net, model, x, threads, runs, warmup):
    torch.set_num_threads(threads)
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        times, cpu = [], []
        for _ in range(runs):
            c0 = time.process_time()
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    return {"runtime": "pytorch-eager", "version": torch.__version__, "model": net,
            "threads": threads, "runs": runs, "median_ms": round(statistics.median(times), 3),
            "min_ms": round(min(times), 3), "cpu_median_ms": round(statistics.median(cpu), 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(REF, "out"))
    ap.add_argument("nets", nargs="+")
    args = ap.parse_args()
    for net in args.nets:
        torch.set_num_threads(1)
        model = generate.build(net)
        size = generate.NETS[net][1]
        path = os.path.join(args.out, "%s.face.f32" % net)
        if os.path.exists(path):
            x = torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(1, 3, size, size))
        else:
            x = torch.randn(1, 3, size, size)
        for t in (int(v) for v in args.threads.split(",")):
            print(json.dumps(bench(net, model, x, t, args.runs, args.warmup)), flush=True)


if __name__ == "__main__":
    main()
