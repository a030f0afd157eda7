#!/usr/bin/python3
"""BlazeFace speed, 1 thread (issue 11, docs/blazeface.md §8): emoc next to the TFLite runtime
itself (TFLite + XNNPACK compiled to WebAssembly, npm @tensorflow/tfjs-tflite, run in Node: it is
wasm, not native TFLite), side by side in one run, rounds interleaved to share the machine's noise.

usage: blazeface_speed.py EMOC_BIN FRAME [EMOTION.emw] [--rounds R] [--runs N]
FRAME: a 640x480 image (any format emoc reads). Needs tools/reference/blazeface/node_modules
(tools/reference/blazeface/conformance.sh installs it) for the .tflite files and the runtime.

Per model (short range, full range sparse, full range dense):
  - net: emoc's network stage (`emoc bench -m X.emw --image FRAME --runs N --json`, median of its
    per-frame net time) vs the wasm runtime's Infer() on the same input size (tflite_run.js --bench
    N: median, and the minimum, since its per-call times spread widely while V8 tiers the module
    up and on a loaded host), each the median over R rounds;
  - emoc's whole frame (warp + net + decode + NMS + project) and its stage shares.
With EMOTION.emw: `emoc predict --detect short.emw` per frame = (median wall of a raw stream of 41
copies of FRAME - median wall of 1 copy) / 40 (bench/detect_frames.py's RawStream), so start-up
and loading cancel out; the same for `emoc detect` alone, which gives the emotion net's share.
Prints a Markdown table; exit 1 if a tool fails.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

from detect_frames import COPIES, RawStream

HERE = os.path.dirname(os.path.abspath(__file__))
BLAZE = os.path.join(HERE, "..", "tools", "reference", "blazeface")
TFLITE = os.path.join(BLAZE, "node_modules", "@mediapipe", "face_detection")
MODELS = [("short", "face_detection_short_range.tflite", 128),
          ("full_sparse", "face_detection_full_range_sparse.tflite", 192),
          ("full_dense", "face_detection_full_range.tflite", 192)]
STAGES = ("warp", "net", "decode", "nms", "project")


def arg(flag, default):
    return int(sys.argv[sys.argv.index(flag) + 1]) if flag in sys.argv else default


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def wasm_ms(tflite, size, runs, tmp):
    x = np.random.default_rng(1).uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
    inp = os.path.join(tmp, f"in{size}.f32")
    x.tofile(inp)
    out = run(["node", os.path.join(BLAZE, "tflite_run.js"), tflite, inp,
               os.path.join(tmp, "wasm"), "--bench", str(runs)])
    for line in out.splitlines():  # "bench NAME runs N median_ms X min_ms Y"
        f = line.split()
        if f and f[0] == "bench" and "median_ms" in f:
            return float(f[f.index("median_ms") + 1]), float(f[f.index("min_ms") + 1])
    raise RuntimeError("tflite_run.js printed no median: " + out)


def emoc_bench(emoc, emw, frame, runs):
    out = run([emoc, "bench", "-m", emw, "--image", frame, "--runs", str(runs), "--threads", "1",
               "--json"])
    return json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])


def main():
    pos = [a for i, a in enumerate(sys.argv[1:], 1)
           if not a.startswith("--") and not sys.argv[i - 1] in ("--rounds", "--runs")]
    if len(pos) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    emoc, frame = pos[0], pos[1]
    emotion = pos[2] if len(pos) > 2 else None
    rounds, runs = arg("--rounds", 5), arg("--runs", 100)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        emws = {}
        for name, file, size in MODELS:
            emws[name] = os.path.join(tmp, name + ".emw")
            run([emoc, "convert", os.path.join(TFLITE, file), "-o", emws[name]])
        for name, file, size in MODELS:
            net_e, net_w, min_w, frame_e, cpu_e, j = [], [], [], [], [], None
            for _ in range(rounds):
                j = emoc_bench(emoc, emws[name], frame, runs)
                net_e.append(j["net_ms"])
                frame_e.append(j["total_ms"])
                cpu_e.append(j["cpu_ms"])
                med, mn = wasm_ms(os.path.join(TFLITE, file), size, runs, tmp)
                net_w.append(med)
                min_w.append(mn)
            e, w = statistics.median(net_e), statistics.median(net_w)
            st = {k: j[k + "_ms"] for k in STAGES}
            tot = sum(st.values()) or 1.0
            share = ", ".join(f"{k} {v / tot * 100:.0f}%" for k, v in st.items())
            rows.append(f"| {name} | {e:.3f} | {w:.3f} | {min(min_w):.3f} | {e / w:.2f} | "
                        f"{statistics.median(frame_e):.3f} | {statistics.median(cpu_e):.3f} | "
                        f"{j['faces']} | {share} |")
        print(f"BlazeFace, 1 thread, {rounds} rounds x {runs} frames, frame {os.path.basename(frame)}"
              " (wasm = TFLite + XNNPACK compiled to WebAssembly, in Node)")
        print("| model | emoc net ms | wasm net ms | wasm net min ms | emoc/wasm (medians) | "
              "emoc frame ms | emoc frame cpu ms | faces | emoc stages (last round) |")
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        if emotion:
            raw = os.path.join(tmp, "f.ppm")
            run([emoc, "decode", frame, "-o", raw])
            with open(raw, "rb") as f:
                data = f.read()
            # binary PPM: "P6\n<w> <h>\n255\n" then RGB bytes
            parts = data.split(b"\n", 3)
            w, h = (int(v) for v in parts[1].split())
            stream = RawStream(tmp, parts[3], w, h)
            det = stream.detect_cmd(emoc, emws["short"])
            pred = stream.predict_cmd(emoc, emotion, emws["short"]) + ["--threads", "1"]
            for _ in range(rounds):
                stream.sample("detect", det)
                stream.sample("predict", pred)
            d, p = stream.per_frame_ms("detect"), stream.per_frame_ms("predict")
            print(f"\nper {w}x{h} frame, 1 thread ({COPIES - 1}-frame raw stream minus a 1-frame "
                  f"one, medians of {rounds}): detect (short) {d:.2f} ms; predict --detect short + "
                  f"{os.path.basename(emotion)} {p:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
