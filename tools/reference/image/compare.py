#!/usr/bin/env python3
"""compare.py — measures emoc's decoders and resizers against Pillow / OpenCV (Debian builds).

    EMOC_BIN=build/emoc /usr/bin/python3 tools/reference/image/compare.py [DATA_DIR] [N_RANDOM]

Decoding: every image of DATA_DIR (default /work/shared/data) through `emoc decode` vs Pillow's
convert('RGB'/'L'): exact for PNG/PPM/BMP, mean / max abs difference per channel for JPEG.
Resize: Pillow-decoded pixels of each image, plus random images, through `emoc decode --size
WxH --resize cv2|pil` vs cv2.resize(INTER_LINEAR) and PIL resize(BILINEAR), at the model sizes
(224, 260, 112) and N_RANDOM random sizes per image (up- and downscaling). Prints one line per
group: cases, bit-exact cases, max abs difference per channel.
"""
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
from PIL import Image

BIN = os.environ.get("EMOC_BIN", "build/emoc")
DATA = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
N_RANDOM = int(sys.argv[2]) if len(sys.argv) > 2 else 12
TMP = tempfile.mkdtemp(prefix="emoc_cmp_")
rng = np.random.default_rng(7)


def emoc_decode(path, *args):
    out = os.path.join(TMP, "out.pnm")
    subprocess.run([BIN, "decode", path, "-o", out, *args], check=True)
    return np.array(Image.open(out))


def pillow(path):
    im = Image.open(path)
    return np.array(im.convert("L" if im.mode in ("L", "1", "I", "I;16") else "RGB"))


def diff_stats(a, b):
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    if d.ndim == 2:
        d = d[:, :, None]
    return d.reshape(-1, d.shape[-1]).max(0), d.reshape(-1, d.shape[-1]).mean(0)


print(f"decoding ({DATA}):")
sources = []
for name in sorted(os.listdir(DATA)):
    path = os.path.join(DATA, name)
    if not name.lower().endswith((".png", ".ppm", ".pgm", ".jpg", ".jpeg", ".bmp")):
        continue
    ref = pillow(path)
    got = emoc_decode(path)
    mx, mean = diff_stats(got, ref)
    exact = got.shape == ref.shape and (mx == 0).all()
    print(f"  {name:24s} {got.shape!s:15s} {'exact' if exact else 'max ' + str(mx.tolist()) + ' mean ' + str(np.round(mean, 3).tolist())}")
    sources.append((name, ref))
for k in range(4):
    h, w = rng.integers(1, 90, 2)
    sources.append((f"random{k}_{w}x{h}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)))

totals = {"cv2": [0, 0, np.zeros(3, int)], "pil": [0, 0, np.zeros(3, int)]}
for name, a in sources:
    src = os.path.join(TMP, "src.pnm")
    Image.fromarray(a).save(src)
    sizes = [(224, 224), (260, 260), (112, 112)]
    sizes += [tuple(int(v) for v in rng.integers(1, 2 * max(a.shape[:2]) + 2, 2)) for _ in range(N_RANDOM)]
    for (w, h) in sizes:
        for mode in ("cv2", "pil"):
            got = emoc_decode(src, "--size", f"{w}x{h}", "--resize", mode)
            ref = (cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR) if mode == "cv2"
                   else np.array(Image.fromarray(a).resize((w, h), Image.BILINEAR)))
            mx, _ = diff_stats(got, ref)
            t = totals[mode]
            t[0] += 1
            t[1] += int((mx == 0).all())
            t[2][: len(mx)] = np.maximum(t[2][: len(mx)], mx)
print("resize (cases, bit-exact, max abs diff per channel):")
for mode, (n, ex, mx) in totals.items():
    ref = "cv2.resize INTER_LINEAR" if mode == "cv2" else "PIL resize BILINEAR"
    print(f"  {mode:4s} vs {ref:24s} {n:4d} cases, {ex:4d} bit-exact, max diff {mx.tolist()}")
