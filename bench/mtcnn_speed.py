"""MTCNN speed, 1 thread, one frame: emoc vs facenet-pytorch's algorithm as
tools/reference/mtcnn replicates it (PyTorch on this machine), side by side in one run.

usage: mtcnn_speed.py EMOC_BIN MTCNN.emw PNET.pt RNET.pt ONET.pt FRAME.ppm [EMOTION.emw]
emoc per frame = (median time of `emoc detect --raw` on 41 copies of the frame − median on 1
copy) / 40, so process start and loading cancel out; PyTorch: median of in-process
MTCNN.detect() calls after a warm-up. With EMOTION.emw also `emoc predict --detect` per frame.
Runs are interleaved (emoc, torch, emoc, ...) to share the machine's noise."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools",
                                "reference", "mtcnn"))
from detect import mtcnn_detect  # noqa: E402
from generate import read_pnm  # noqa: E402
from nets import load_nets  # noqa: E402

COPIES, ROUNDS = 41, 7


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    emoc, emw, pnet, rnet, onet, frame = sys.argv[1:7]
    emotion = sys.argv[7] if len(sys.argv) > 7 else None
    torch.set_num_threads(1)
    nets = load_nets(pnet, rnet, onet)
    img = read_pnm(frame)
    h, w = img.shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        one, many = os.path.join(tmp, "1.rgb"), os.path.join(tmp, "n.rgb")
        open(one, "wb").write(img.tobytes())
        open(many, "wb").write(img.tobytes() * COPIES)
        base = [emoc, "detect", "-q", "-m", emw, "--raw", f"{w}x{h}"]
        pred = ([emoc, "predict", "-q", "-m", emotion, "--detect", emw, "--raw", f"{w}x{h}"]
                if emotion else None)
        mtcnn_detect(img, nets)
        t1, tn, pt, p1, pn = [], [], [], [], []
        for _ in range(ROUNDS):
            t1.append(timed(base + [one]))
            tn.append(timed(base + [many]))
            for _ in range(3):
                t = time.perf_counter()
                mtcnn_detect(img, nets)
                pt.append(time.perf_counter() - t)
            if pred:
                p1.append(timed(pred + [one]))
                pn.append(timed(pred + [many]))
    e = (statistics.median(tn) - statistics.median(t1)) / (COPIES - 1)
    p = statistics.median(pt)
    print(f"frame {w}x{h}, 1 thread, medians of {ROUNDS} rounds")
    print(f"emoc MTCNN detect      {e * 1e3:8.2f} ms/frame")
    print(f"PyTorch {torch.__version__} MTCNN   {p * 1e3:8.2f} ms/frame")
    print(f"ratio emoc/PyTorch     {e / p:8.3f}")
    if pred:
        q = (statistics.median(pn) - statistics.median(p1)) / (COPIES - 1)
        print(f"emoc detect+predict    {q * 1e3:8.2f} ms/frame ({os.path.basename(emotion)})")


if __name__ == "__main__":
    main()
