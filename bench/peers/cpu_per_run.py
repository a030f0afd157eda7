#!/usr/bin/env python3
"""cpu_per_run.py — CPU time per forward pass of `emoc bench`, measured from outside.

usage: cpu_per_run.py EMOC_BIN MODEL.emw THREADS RUNS_A RUNS_B
Runs `emoc bench -m MODEL --threads T --runs R` for R = RUNS_A and RUNS_B and prints
(cpu(B) − cpu(A)) / (B − A) in ms: loading and warm-up cost the same in both runs and cancel.
On a loaded machine the wall clock of a 1-thread run mostly measures waiting for a core; its
CPU time stays close to what an idle machine would show, which makes ratios against the peers'
cpu_median_ms usable. Prints a JSON object {"cpu_per_run_ms": ...}.
"""
import json
import os
import subprocess
import sys


def child_cpu_seconds(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit("%s exited with %d" % (" ".join(cmd), proc.returncode))
    return usage.ru_utime + usage.ru_stime


def main():
    emoc, model, threads, runs_a, runs_b = sys.argv[1:6]
    runs_a, runs_b = int(runs_a), int(runs_b)
    base = [emoc, "bench", "-m", model, "--threads", threads, "--runs"]
    a = child_cpu_seconds(base + [str(runs_a)])
    b = child_cpu_seconds(base + [str(runs_b)])
    print(json.dumps({"cpu_per_run_ms": round(max(b - a, 0.0) * 1e3 / (runs_b - runs_a), 3)}))


if __name__ == "__main__":
    main()
