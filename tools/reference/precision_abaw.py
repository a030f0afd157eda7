#!/usr/bin/python3
"""CCC / F1 / P_MTL on a synthetic ABAW set when the features come from reduced-precision nets
(issue 14; docs/precision.md §3.3). Outside CI: a measurement, not a test.

usage: precision_abaw.py EMOC_BIN WORKDIR FP32.emw [OTHER.emw ...] [--frames N] [--seed S]

The truth of every video (piecewise-constant expression, slowly varying valence/arousal, fast
frame-independent AUs, missing labels) comes from tests/abaw/gen_synthetic.py. Unlike that
script's features, which are drawn directly, here the truth is painted into face images that a
backbone sees: each frame is ../shared/data/face.png (112x112) plus the expression's template (one
of 8 fixed smooth colour fields), valence as brightness, arousal as contrast, each AU's latent as
the intensity of a Gaussian blob at a fixed place, then a random shift of up to 2 px and pixel
noise. The backbones have random weights, so their features carry the image, not an emotion;
a head trained on them (emoc train-head) learns the painted truth to some degree.
Steps: `emoc features` of every split with each model file; one head trained on the FP32
features of the train split (validation split for early stopping); `emoc mtl` of the test split
with that head on each model's features; `emoc eval`. The change of CCC / F1 / P_MTL from FP32
to each other file is the cost of its precision on this task.
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "abaw"))
from gen_synthetic import frame_label, video_truth, write_labels  # noqa: E402

SIZE = 112


def face_image():
    for d in (os.path.join(ROOT, "..", "shared", "data"), "/work/shared/data"):
        p = os.path.join(d, "face.png")
        if os.path.exists(p):
            img = cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB)
            return cv2.resize(img, (SIZE, SIZE), interpolation=cv2.INTER_AREA).astype(np.float32)
    raise SystemExit("precision_abaw: ../shared/data/face.png not found")


def painter(rng):
    """The fixed parts of the image model: expression templates and AU blob places."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    templates = []
    for _ in range(8):
        t = np.zeros((SIZE, SIZE, 3), np.float32)
        for _ in range(3):
            fx, fy, ph = rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 6.3)
            t += np.sin(2 * np.pi * (fx * xx + fy * yy) + ph)[..., None] * rng.uniform(-1, 1, 3)
        templates.append(28 * t / np.abs(t).max())
    centres = rng.uniform(0.15, 0.85, (12, 2))
    blobs = [np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 0.06 ** 2))[..., None]
             * rng.uniform(-1, 1, 3) for cx, cy in centres]
    return templates, [b.astype(np.float32) for b in blobs]


def paint(base, templates, blobs, e, va, z, rng):
    img = base + templates[e]
    img = (img - 128) * (1.0 + 0.35 * va[1]) + 128 + 35 * va[0]
    for j in range(12):
        img += 22 * z[j] * blobs[j]
    img = np.roll(img, (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))), axis=(0, 1))
    img += rng.normal(0, 5, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def write_set(work, frames, seed):
    rng = np.random.default_rng(seed)
    base = face_image()
    templates, blobs = painter(rng)
    splits = {"train": 12, "val": 6, "test": 6}
    for split, nvid in splits.items():
        labels = []
        for v in range(nvid):
            name = f"{split}{v:02d}"
            n = int(rng.integers(frames * 3 // 4, frames * 5 // 4))
            expr, va, au, z = video_truth(rng, n)
            d = os.path.join(work, split, name)
            os.makedirs(d, exist_ok=True)
            for t in range(n):
                img = paint(base, templates, blobs, expr[t], va[t], z[t], rng)
                with open(os.path.join(d, f"{t + 1:05d}.ppm"), "wb") as f:
                    f.write(b"P6\n%d %d\n255\n" % (SIZE, SIZE) + img.tobytes())
                labels.append(frame_label(rng, name, t + 1, expr[t], va[t], au[t]))
        write_labels(work, split, labels)


def emoc(binary, work, *args):
    p = subprocess.run([binary, *args], cwd=work, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"precision_abaw: emoc {' '.join(args)} -> {p.returncode}\n{p.stderr}")
    return p.stdout


def main():
    args = [a for i, a in enumerate(sys.argv[1:], 1)
            if not a.startswith("--") and sys.argv[i - 1] not in ("--frames", "--seed")]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, work, models = os.path.abspath(args[0]), os.path.abspath(args[1]), args[2:]
    models = [os.path.abspath(m) for m in models]
    frames = int(sys.argv[sys.argv.index("--frames") + 1]) if "--frames" in sys.argv else 120
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 6
    os.makedirs(work, exist_ok=True)
    if not os.path.exists(os.path.join(work, "test_list.txt")):
        write_set(work, frames, seed)
    for k, m in enumerate(models):
        for split in ("train", "val", "test"):
            out = f"m{k}_{split}.csv"
            if not os.path.exists(os.path.join(work, out)):
                emoc(binary, work, "features", "-m", m, "-q", "--threads", "1",
                     *sorted(os.path.join(work, split, d) for d in os.listdir(os.path.join(work, split))),
                     "-o", out, "--csv")
    emoc(binary, work, "train-head", "--features", "m0_train.csv", "--labels", "labels_train.txt",
         "--val-features", "m0_val.csv", "--val-labels", "labels_val.txt", "-o", "head.emw",
         "--seed", "1", "--batch", "64", "--epochs", "40,60,20", "--hidden", "32")
    res = []
    for k, m in enumerate(models):
        emoc(binary, work, "mtl", "--features", f"m{k}_test.csv", "--head", "head.emw",
             "--list", "test_list.txt", "-o", f"sub{k}.txt")
        res.append(json.loads(emoc(binary, work, "eval", "--pred", f"sub{k}.txt", "--labels",
                                   "labels_test.txt", "--json")))
    keys = ("ccc_valence", "ccc_arousal", "f1_expr", "f1_au", "p_mtl")
    print("| model file | " + " | ".join(keys) + " | argmax EXPR agreement with the first |")
    print("|---" * (len(keys) + 2) + "|")
    first = None
    for k, (m, d) in enumerate(zip(models, res)):
        with open(os.path.join(work, f"sub{k}.txt")) as f:
            expr = [ln.split(",")[3] for ln in f.read().splitlines()[1:]]
        first = first or expr
        agree = sum(a == b for a, b in zip(first, expr)) / max(1, len(expr))
        cells = [f"{d[key]:.4f}" if k == 0 else f"{d[key]:.4f} ({d[key] - res[0][key]:+.4f})" for key in keys]
        print(f"| {os.path.basename(m)} | " + " | ".join(cells) + f" | {agree:.4f} ({len(expr)} frames) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
