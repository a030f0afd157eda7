#!/usr/bin/env python3
"""startup.py — one-image start-up of `emoc predict` (docs/startup.md), for bench/run.sh.

usage: startup.py EMOC_BIN MODEL.emw IMAGE [RUNS]

Runs `EMOC_BIN predict -m MODEL.emw --threads 1 IMAGE` RUNS times (default 15, page cache warm
after the first) and prints one JSON object: predict_best_ms / predict_median_ms (wall time of
the whole process: start, load with every check, the image, the digest line, exit),
predict_cpu_best_ms (user + system CPU of the process: robust on a shared machine),
process_floor_best_ms (best wall time of the same fork + exec + wait of /bin/true: the cost of
any process on this machine, not emoc's),
predict_peak_rss_kb (the largest peak resident set over the runs) and budget_kb (weights + arena
+ 6 MiB, from `emoc info`).
"""
import json
import os
import re
import resource
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    emoc, model, image = argv[1:4]
    runs = int(argv[4]) if len(argv) > 4 else 15
    walls, cpus, rss = [], [], 0
    floor = []  # the same fork + exec + wait of /bin/true: what any process costs here
    for _ in range(runs):
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.execv("/bin/true", ["/bin/true"])
        os.wait4(pid, 0)
        floor.append((time.perf_counter() - t0) * 1e3)
    for _ in range(runs):
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execv(emoc, [emoc, "predict", "-m", model, "--threads", "1", image])
        _, status, ru = os.wait4(pid, 0)
        walls.append((time.perf_counter() - t0) * 1e3)
        if os.waitstatus_to_exitcode(status) != 0:
            print("startup.py: emoc predict failed (exit %d)" % os.waitstatus_to_exitcode(status),
                  file=sys.stderr)
            return 1
        cpus.append((ru.ru_utime + ru.ru_stime) * 1e3)
        rss = max(rss, ru.ru_maxrss)
    info = subprocess.run([emoc, "info", model], capture_output=True, text=True).stdout
    m = re.search(r"memory budget: .* = (\d+) bytes", info)
    walls.sort()
    out = {"predict_runs": runs, "predict_best_ms": round(walls[0], 3),
           "predict_median_ms": round(walls[len(walls) // 2], 3),
           "predict_cpu_best_ms": round(min(cpus), 3), "predict_peak_rss_kb": rss,
           "process_floor_best_ms": round(min(floor), 3),
           "budget_kb": int(m.group(1)) // 1024 if m else None}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
