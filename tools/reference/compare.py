#!/usr/bin/env python3
"""Compare emoc's JSON Lines output with the PyTorch reference (pure Python: no torch needed).

Rule (issues 3 and 4): for each checked vector ("scores", "embedding"),
    max |emoc − torch| ≤ 1e-4 · max(1, max |torch|)
A missing key, a length mismatch, a non-finite value or a status other than "ok" fails.

Usage:
  compare.py --model NAME --isa ISA --checks scores,embedding REF.json:GOT.jsonl [...]
      prints one table row per pair; exit 1 if any row fails.
  compare.py --rel-bound B ...
      the reduced-precision rule instead (docs/precision.md §3): max |emoc − torch| ≤ B · max |torch|
  compare.py --self-test
      checks the comparison itself (an exact copy passes, perturbed/broken outputs fail).
"""
import argparse
import json
import math
import sys

REL_TOL = 1e-4
HEADER = "%-24s %-7s %-9s %-10s %12s %12s  %s" % (
    "model", "isa", "input", "vector", "max_abs_err", "bound", "result")


REL_BOUND = None  # --rel-bound: B · max|torch|, without the floor at 1


def bound_for(ref):
    m = max((abs(v) for v in ref), default=0.0)
    return REL_BOUND * m if REL_BOUND is not None else REL_TOL * max(1.0, m)


def compare_vector(ref, got):
    """Returns (max_abs_err, bound, error_message or None)."""
    bound = bound_for(ref)
    if not isinstance(got, list):
        return math.inf, bound, "missing (got %s)" % type(got).__name__
    if len(got) != len(ref):
        return math.inf, bound, "length %d, expected %d" % (len(got), len(ref))
    worst, where = 0.0, -1
    for i, (r, g) in enumerate(zip(ref, got)):
        if not isinstance(g, (int, float)) or isinstance(g, bool) or not math.isfinite(g):
            return math.inf, bound, "value %d is %r" % (i, g)
        e = abs(g - r)
        if e > worst:
            worst, where = e, i
    if not worst <= bound:
        return worst, bound, "exceeds bound at index %d (emoc %.7g, torch %.7g)" % (
            where, got[where], ref[where])
    return worst, bound, None


def check(ref_obj, got_obj, checks):
    """Compare one reference object with one emoc output object.
    Returns a list of (vector, max_err, bound, error or None)."""
    rows = []
    status = got_obj.get("status") if isinstance(got_obj, dict) else None
    for key in checks:
        if status != "ok":
            rows.append((key, math.inf, bound_for(ref_obj[key]), "status %r" % (status,)))
            continue
        rows.append((key,) + compare_vector(ref_obj[key], got_obj.get(key)))
    return rows


def read_jsonl(path):
    objs = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                raise ValueError("%s line %d: not JSON (%s): %.80s" % (path, n, e, line))
    return objs


def compare_pair(model, isa, ref_path, got_path, checks):
    with open(ref_path) as fh:
        ref = json.load(fh)
    try:
        objs = read_jsonl(got_path)
    except (OSError, ValueError) as e:
        objs, err = [], str(e)
    else:
        err = "expected 1 JSON object, got %d" % len(objs) if len(objs) != 1 else None
    if err:
        rows = [(k, math.inf, bound_for(ref[k]), err) for k in checks]
    else:
        rows = check(ref, objs[0], checks)
    ok = True
    for key, worst, bound, msg in rows:
        ok = ok and msg is None
        print("%-24s %-7s %-9s %-10s %12.3e %12.3e  %s" % (
            model, isa, ref.get("input", "?"), key, worst, bound,
            "PASS" if msg is None else "FAIL: " + msg))
    return ok


def self_test():
    ref = {"input": "t", "scores": [0.5, -3.0, 0.25], "embedding": [1e-3, -0.5]}
    big = {"input": "t", "scores": [250.0, 1.0], "embedding": [-40.0]}
    exact = {"status": "ok", "scores": list(ref["scores"]), "embedding": list(ref["embedding"])}
    cases = []

    def expect(name, got, should_pass, r=ref):
        rows = check(r, got, ("scores", "embedding"))
        passed = all(row[3] is None for row in rows)
        cases.append((name, passed == should_pass, rows))

    # scores bound = 1e-4·3 = 3e-4; embedding bound = 1e-4·max(1, 0.5) = 1e-4.
    expect("exact copy passes", exact, True)
    expect("within bound passes", dict(exact, scores=[0.5, -3.0, 0.25 + 2.9e-4],
                                       embedding=[1e-3 - 0.9e-4, -0.5]), True)
    expect("perturbed score fails", dict(exact, scores=[0.5, -3.0, 0.25 + 3.1e-4]), False)
    expect("perturbed embedding fails", dict(exact, embedding=[1e-3 + 1.1e-4, -0.5]), False)
    expect("large values: relative ok", {"status": "ok", "scores": [250.024, 1.0],
                                         "embedding": [-40.0039]}, True, big)
    expect("large values: over bound", {"status": "ok", "scores": [250.026, 1.0],
                                        "embedding": [-40.0]}, False, big)
    expect("missing embedding fails", {"status": "ok", "scores": exact["scores"]}, False)
    expect("short vector fails", dict(exact, scores=[0.5, -3.0]), False)
    expect("long vector fails", dict(exact, embedding=[1e-3, -0.5, 0.0]), False)
    expect("NaN fails", dict(exact, scores=[float("nan"), -3.0, 0.25]), False)
    expect("inf fails", dict(exact, embedding=[float("inf"), -0.5]), False)
    expect("null fails", dict(exact, embedding=[None, -0.5]), False)
    expect("string fails", dict(exact, embedding=["0.001", -0.5]), False)
    expect("error status fails", dict(exact, status="error"), False)
    global REL_BOUND
    REL_BOUND = 0.1  # scores bound 0.3, embedding 0.05 (no floor at 1)
    expect("rel-bound: within passes", dict(exact, scores=[0.5, -3.0, 0.54],
                                            embedding=[1e-3, -0.46]), True)
    expect("rel-bound: over fails", dict(exact, embedding=[1e-3, -0.44]), False)
    REL_BOUND = None
    bad = [c for c in cases if not c[1]]
    for name, good, rows in cases:
        print("self-test: %-28s %s" % (name, "ok" if good else "WRONG %r" % (rows,)))
    print("%d passed, %d failed" % (len(cases) - len(bad), len(bad)))
    return not bad


def summarize(table_path):
    """Per model × ISA: the worst error over all inputs, per vector, and its bound."""
    worst, failed_early = {}, []
    for line in open(table_path):
        f = line.split()
        if len(f) >= 2 and f[1] == "FAIL:":
            failed_early.append(line.strip())
            continue
        if len(f) < 7 or f[3] not in ("scores", "embedding"):
            continue
        key = (f[0], f[1])
        try:
            err, bound = float(f[4]), float(f[5])
        except ValueError:
            continue
        w = worst.setdefault(key, {})
        prev = w.get(f[3])
        if prev is None or err > prev[0]:
            w[f[3]] = (err, bound, f[6] == "PASS" and (prev is None or prev[2]))
        elif f[6] != "PASS":
            w[f[3]] = (prev[0], prev[1], False)
    print("Summary: worst max |emoc - torch| over the inputs (bound in parentheses)")
    print("%-24s %-7s %-26s %-26s" % ("model", "isa", "scores", "embedding"))
    for (model, isa), w in worst.items():
        cell = lambda k: "%.2e (%.1e) %s" % (w[k][0], w[k][1], "ok" if w[k][2] else "FAIL") \
            if k in w else "-"  # noqa: E731
        print("%-24s %-7s %-26s %-26s" % (model, isa, cell("scores"), cell("embedding")))
    for line in failed_early:
        print(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--header", action="store_true", help="print the table header and exit")
    ap.add_argument("--summarize", metavar="TABLE", help="summarise a printed table and exit")
    ap.add_argument("--model", default="?")
    ap.add_argument("--isa", default="?")
    ap.add_argument("--checks", default="scores,embedding")
    ap.add_argument("--rel-bound", type=float, default=None,
                    help="bound B·max|torch| (reduced precision) instead of 1e-4·max(1, max|torch|)")
    ap.add_argument("pairs", nargs="*", help="REF.json:GOT.jsonl")
    args = ap.parse_args()
    if args.self_test:
        return 0 if self_test() else 1
    if args.header:
        print(HEADER)
        return 0
    if args.summarize:
        summarize(args.summarize)
        return 0
    global REL_BOUND
    REL_BOUND = args.rel_bound
    checks = [c for c in args.checks.split(",") if c]
    ok = True
    for pair in args.pairs:
        ref_path, got_path = pair.split(":", 1)
        ok = compare_pair(args.model, args.isa, ref_path, got_path, checks) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
