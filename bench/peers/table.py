#!/usr/bin/env python3
"""table.py — print bench/run.sh's latency table from its JSON rows (one object per line).

Rows: {"runtime": "emoc"|"onnxruntime-node"|"pytorch-eager", "model", ["net"], "threads",
"median_ms", "min_ms", ...}. Peers are keyed by reference net; PyTorch is timed once per
architecture (b0, b2, mbf, ddamfn) and shared by the nets of that architecture.
Ratios are emoc median / peer median (below 1 = emoc faster).
"""
import json
import sys


def arch(net):
    return net.split("_")[1] if net.startswith("enet_") else net


def main(path):
    emoc, ort, torch = [], {}, {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        rt = r.get("runtime")
        if rt == "emoc":
            emoc.append(r)
        elif rt == "onnxruntime-node":
            ort[(r["model"], r["threads"])] = r
        elif rt == "pytorch-eager":
            torch[(arch(r["model"]), r["threads"])] = r
    fmt = "%-22s %3s %10s %10s %10s %10s   %s"
    print("Peers (ms; median / min)")
    print(fmt % ("net", "thr", "ORT med", "ORT min", "torch med", "torch min", "ORT vs torch max err"))
    for (net, t), r in sorted(ort.items()):
        tr = torch.get((arch(net), t), {})
        print(fmt % (net, t, r["median_ms"], r["min_ms"], tr.get("median_ms", "-"),
                     tr.get("min_ms", "-"), "%.2g" % r["max_err_vs_torch"]
                     if "max_err_vs_torch" in r else "-"))
    ort_versions = sorted({r.get("version", "?") for r in ort.values()})
    torch_versions = sorted({r.get("version", "?") for r in torch.values()})
    print("ONNX Runtime %s, PyTorch %s" % (",".join(ort_versions) or "-",
                                           ",".join(torch_versions) or "-"))
    print()
    if not emoc:
        print("emoc: no measurements (see messages above)")
        return 0
    fmt = "%-22s %-7s %3s %10s %10s %10s %10s %9s %11s"
    print("emoc vs peers (ms; ratios of medians, < 1 = emoc faster)")
    print(fmt % ("model", "isa", "thr", "emoc med", "emoc min", "ORT med", "torch med",
                 "emoc/ORT", "emoc/torch"))
    for r in emoc:
        net, t = r.get("net", r["model"]), r["threads"]
        o = ort.get((net, t), {}).get("median_ms")
        p = torch.get((arch(net), t), {}).get("median_ms")
        ratio = lambda peer: "%.2f" % (r["median_ms"] / peer) if peer else "-"  # noqa: E731
        print(fmt % (r["model"], r.get("isa", "?"), t, r["median_ms"], r.get("min_ms", "-"),
                     o or "-", p or "-", ratio(o), ratio(p)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
