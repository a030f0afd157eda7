#!/usr/bin/env python3
"""table.py — print bench/run.sh's latency table from its JSON rows (one object per line).

Rows: {"runtime": "emoc"|"onnxruntime-node"|"pytorch-eager", "model", ["net"], "threads",
"median_ms", "min_ms", ...}. Peers are keyed by reference net; PyTorch is timed once per
architecture (b0, b2, mbf, ddamfn) and shared by the nets of that architecture.
Ratios are emoc median / peer median (below 1 = emoc faster).
usage: table.py ROWS.json [BEFORE.json]   (BEFORE: an earlier run's rows, for per-op shares)
"""
import json
import sys


def num(v):
    return "%.2f" % v if isinstance(v, (int, float)) else "-"


def arch(net):
    return net.split("_")[1] if net.startswith("enet_") else net


def main(path):
    emoc, ort, torch, perop, startup = [], {}, {}, [], {}
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
        elif rt == "emoc-per-op":
            perop.append(r)
        elif rt == "emoc-startup":
            startup[r["model"]] = r
    fmt = "%-22s %3s %9s %9s %9s %10s %10s %10s   %s"
    print("Peers (ms; median / min of wall time; cpu = median process CPU time per run)")
    print(fmt % ("net", "thr", "ORT med", "ORT min", "ORT cpu", "torch med", "torch min",
                 "torch cpu", "ORT vs torch max err"))
    for (net, t), r in sorted(ort.items()):
        tr = torch.get((arch(net), t), {})
        print(fmt % (net, t, num(r["median_ms"]), num(r["min_ms"]), num(r.get("cpu_median_ms")),
                     num(tr.get("median_ms")), num(tr.get("min_ms")), num(tr.get("cpu_median_ms")),
                     "%.2g" % r["max_err_vs_torch"]
                     if "max_err_vs_torch" in r else "-"))
    ort_versions = sorted({r.get("version", "?") for r in ort.values()})
    torch_versions = sorted({r.get("version", "?") for r in torch.values()})
    print("ONNX Runtime %s, PyTorch %s" % (",".join(ort_versions) or "-",
                                           ",".join(torch_versions) or "-"))
    print()
    if not emoc:
        print("emoc: no measurements (see messages above)")
        return 0
    fmt = "%-22s %-7s %3s %9s %9s %9s %9s %9s %9s %10s %9s %10s %9s %9s %9s"
    print("emoc vs peers (ms; ratios of wall-time medians and of CPU time per run; < 1 = emoc faster;"
          " x2T = 1-thread median / 2-thread median; floor = fp32 roofline, bench/roofline.tsv)")
    print(fmt % ("model", "isa", "thr", "emoc med", "emoc min", "emoc cpu", "ORT med", "ORT cpu",
                 "torch med", "emoc/ORT", "(cpu)", "emoc/torch", "emoc x2T", "ORT x2T",
                 "emoc/floor"))
    one = {r["model"]: r for r in emoc if r["threads"] == 1}

    def ratio(a, b):
        return "%.2f" % (a / b) if isinstance(a, (int, float)) and b else "-"
    for r in emoc:
        net, t = r.get("net", r["model"]), r["threads"]
        o = ort.get((net, t), {})
        p = torch.get((arch(net), t), {})
        e1, o1 = one.get(r["model"], {}), ort.get((net, 1), {})
        print(fmt % (r["model"], r.get("isa", "?"), t, num(r["median_ms"]), num(r.get("min_ms")),
                     num(r.get("cpu_median_ms")), num(o.get("median_ms")),
                     num(o.get("cpu_median_ms")), num(p.get("median_ms")),
                     ratio(r["median_ms"], o.get("median_ms")),
                     ratio(r.get("cpu_median_ms"), o.get("cpu_median_ms")),
                     ratio(r["median_ms"], p.get("median_ms")),
                     ratio(e1.get("median_ms"), r["median_ms"]) if t != 1 else "-",
                     ratio(o1.get("median_ms"), o.get("median_ms")) if t != 1 else "-",
                     ratio(r["median_ms"], r.get("roofline_ms"))))
    before = {}
    if len(sys.argv) > 2:
        for line in open(sys.argv[2]):
            if line.strip().startswith("{"):
                b = json.loads(line)
                if b.get("runtime") == "emoc-per-op":
                    before[b["model"]] = b
    print_startup(emoc, ort, startup)
    for r in perop:
        print_per_family(r, before.get(r["model"]))
    return 0


def print_startup(emoc, ort, startup):
    """Start-up (docs/startup.md): model load, first run, one-image predict, peak RSS."""
    rows = [r for r in emoc if r.get("threads") == 1 and "load_ms" in r and "/" not in r["model"]]
    if not rows:
        return
    fmt = "%-22s %8s %8s %8s %9s %9s %9s %9s %9s %11s %9s"
    print()
    print("Start-up, 1 thread (ms; load = median of repeated model loads, warm page cache; predict ="
          " whole one-image process, best of runs; RSS in KiB; budget = weights + arena + 6 MiB)")
    print(fmt % ("model", "load", "load cpu", "1st run", "predict", "pred cpu", "peak RSS",
                 "budget", "ORT sess", "ORT 1st run", "load/ORT"))
    for r in rows:
        net = r.get("net", r["model"])
        s = startup.get(r["model"], {})
        o = ort.get((net, 1), {})
        sess = o.get("session_create_ms")
        print(fmt % (r["model"], num(r.get("load_ms")), num(r.get("load_cpu_ms")),
                     num(r.get("first_run_ms")), num(s.get("predict_best_ms")),
                     num(s.get("predict_cpu_best_ms")),
                     s.get("predict_peak_rss_kb", r.get("peak_rss_kb", "-")),
                     s.get("budget_kb", "-"), num(sess), num(o.get("first_run_ms")),
                     "%.3f" % (r["load_ms"] / sess) if sess else "-"))


def family(op):
    """Kernel family of an op: the <op> of emoc_f32_<op>_<tile>__<isa> (docs/kernel-naming.md),
    else the op type."""
    k = op.get("kernel") or ""
    if k.startswith("emoc_f32_"):
        parts = k[len("emoc_f32_"):].split("__")[0].split("_")
        return parts[0] + ("_" + parts[1] if len(parts) > 2 else "")
    return op.get("type") or "?"


def aggregate(r):
    agg, total = {}, 0.0
    for op in r["ops"]:
        ns = float(op.get("median_ns", 0))
        total += ns
        a = agg.setdefault(family(op), [0, 0.0, 0.0])
        a[0] += 1
        a[1] += ns
        a[2] += float(op.get("gflops", 0.0)) * ns  # GFLOP/s x ns = flop
    return agg, total


def print_per_family(r, b):
    """emoc's per-op trace at 1 thread, aggregated per kernel family: time share and GFLOP/s,
    beside an earlier run's (BENCH_BEFORE) when given."""
    agg, total = aggregate(r)
    bagg, btotal = aggregate(b) if b else ({}, 0.0)
    print()
    print("emoc per-kernel-family breakdown: %s (%s, 1 thread, sum of per-op medians %.2f ms%s)"
          % (r["model"], r.get("isa", "?"), total / 1e6,
             "; before: %.2f ms" % (btotal / 1e6) if b else ""))
    print("%-24s %5s %9s %7s %9s %11s %9s %9s" % ("family", "ops", "ms", "share", "GFLOP/s",
                                                  "before ops", "ms", "share"))
    for k in sorted(set(agg) | set(bagg), key=lambda k: -agg.get(k, [0, 0.0])[1]):
        n, ns, fl = agg.get(k, [0, 0.0, 0.0])
        bn, bns, _ = bagg.get(k, [0, 0.0, 0.0])
        print("%-24s %5d %9.3f %6.1f%% %9.2f %11s %9s %9s"
              % (k, n, ns / 1e6, 100.0 * ns / max(total, 1), fl / ns if ns else 0.0,
                 bn if b else "-", "%.3f" % (bns / 1e6) if b else "-",
                 "%.1f%%" % (100.0 * bns / max(btotal, 1)) if b else "-"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))  # [BEFORE.json]
