#!/usr/bin/python3
"""tests/fixtures/retinaface/argsort.bin: arrays with many equal float32 values (as flat image
regions give RetinaFace) and numpy's argsort of each, so the C replica of numpy's introsort is
checked tie for tie. Format per case: int32 n, n float32 values, n int32 indices; then n = -1.
Also nearest.txt: in out idx... from torch.nn.functional.interpolate(mode='nearest')."""
import os
import struct
import sys

import numpy as np
import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "fixtures", "retinaface")
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(5)
buf = b""
for n in [0, 1, 2, 15, 16, 17, 33, 100, 1000, 5000]:
    for levels in (3, 50, 0):
        v = (rng.randint(0, levels, n) / 7.0 if levels else rng.rand(n)).astype(np.float32)
        idx = v.argsort()
        buf += struct.pack("<i", n) + v.tobytes() + idx.astype("<i4").tobytes()
v = np.ones(3000, np.float32)  # all equal
buf += struct.pack("<i", 3000) + v.tobytes() + v.argsort().astype("<i4").tobytes()
v = np.arange(3000, dtype=np.float32)[::-1].copy()  # descending (the second argsort's input)
buf += struct.pack("<i", 3000) + v.tobytes() + v.argsort().astype("<i4").tobytes()
buf += struct.pack("<i", -1)
open(os.path.join(OUT, "argsort.bin"), "wb").write(buf)
lines = []
for i_n, o_n in [(15, 30), (8, 15), (13, 25), (7, 13), (1, 1), (2, 3), (3, 5), (17, 34), (5, 9), (4, 4)]:
    x = torch.arange(i_n, dtype=torch.float32).view(1, 1, 1, i_n)
    y = torch.nn.functional.interpolate(x, size=[1, o_n], mode="nearest").view(-1).long().tolist()
    lines.append("%d %d %s" % (i_n, o_n, " ".join(map(str, y))))
open(os.path.join(OUT, "nearest.txt"), "w").write("\n".join(lines) + "\n")
