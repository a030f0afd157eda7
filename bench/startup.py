#!/usr/bin/env python3
"""startup.py — one-image start-up of `emoc predict` (docs/startup.md), for bench/run.sh.

usage: startup.py EMOC_BIN MODEL.emw IMAGE [RUNS]

Runs `EMOC_BIN predict -m MODEL.emw --threads 1 IMAGE` RUNS times (default 15, page cache warm
after the first) and prints one JSON object: predict_best_ms / predict_median_ms (wall time of
the whole process: start, load with every check, the image, the digest line, exit),
predict_cpu_best_ms (user + system CPU of the process: robust on a shared machine),
process_floor_best_ms (best wall time of the same spawn + wait of /bin/true: the cost of
any process on this machine, not emoc's). Processes start with posix_spawn, as a shell or
hyperfine starts them; predict_fork_best_ms / process_floor_fork_best_ms are the same runs
started with fork + exec from this Python process (what this script measured before
2026-12-07: the fork copies Python's page tables, 6-8 ms on this VM before emoc even starts),
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
    devnull = os.open(os.devnull, os.O_WRONLY)
    quiet = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]

    def spawn(argv, use_fork):
        """Wall ms, exit code and rusage of one process. posix_spawn (glibc: clone with
        CLONE_VFORK) copies nothing of this Python process; fork copies its page tables, which
        costs this VM 6-8 ms before the child runs: that is the harness's cost, not emoc's."""
        t0 = time.perf_counter()
        if use_fork:
            pid = os.fork()
            if pid == 0:
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                os.execv(argv[0], argv)
        else:
            pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=quiet)
        _, status, ru = os.wait4(pid, 0)
        return (time.perf_counter() - t0) * 1e3, os.waitstatus_to_exitcode(status), ru

    predict = [emoc, "predict", "-m", model, "--threads", "1", image]
    floor = [spawn(["/bin/true"], False)[0] for _ in range(runs)]
    floor_fork = [spawn(["/bin/true"], True)[0] for _ in range(runs)]
    walls, walls_fork, cpus, rss = [], [], [], 0
    for _ in range(runs):
        for use_fork in (False, True):
            wall, code, ru = spawn(predict, use_fork)
            if code != 0:
                print("startup.py: emoc predict failed (exit %d)" % code, file=sys.stderr)
                return 1
            (walls_fork if use_fork else walls).append(wall)
            cpus.append((ru.ru_utime + ru.ru_stime) * 1e3)
            rss = max(rss, ru.ru_maxrss)
    info = subprocess.run([emoc, "info", model], capture_output=True, text=True).stdout
    m = re.search(r"memory budget: .* = (\d+) bytes", info)
    walls.sort()
    out = {"predict_runs": runs, "predict_best_ms": round(walls[0], 3),
           "predict_median_ms": round(walls[len(walls) // 2], 3),
           "predict_cpu_best_ms": round(min(cpus), 3), "predict_peak_rss_kb": rss,
           "process_floor_best_ms": round(min(floor), 3),
           "predict_fork_best_ms": round(min(walls_fork), 3),
           "process_floor_fork_best_ms": round(min(floor_fork), 3),
           "budget_kb": int(m.group(1)) // 1024 if m else None}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
