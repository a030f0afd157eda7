#!/usr/bin/python3
"""Synthetic ABAW-like set for the end-to-end test (tests/abaw/e2e.sh).

Videos have smooth ground truth (piecewise-constant expressions, slowly varying valence and
arousal) and fast, frame-independent action units; two "backbones" A and B see the same truth
through independent frame-level noise. Some frames have no face (no feature row, so
predictions must be interpolated), some have a second smaller face, and some labels are missing
(VA -5, EXPR -1, AU -1). Deterministic for a seed.

usage: gen_synthetic.py OUTDIR [--seed 6]
"""
import os
import sys

import numpy as np

E = 24
AFFECTNET_OF_ABAW = [5, 0, 2, 3, 4, 6, 7, 1]  # ABAW class i is AffectNet logit AFFECTNET_OF_ABAW[i]


def video_truth(rng, n):
    expr = np.zeros(n, int)
    t = 0
    while t < n:
        length = int(rng.integers(25, 70))
        expr[t:t + length] = rng.integers(0, 8)
        t += length
    tt = np.arange(n)
    va = np.zeros((n, 2))
    for j in range(2):
        for _ in range(3):
            va[:, j] += rng.uniform(0.2, 0.5) * np.sin(2 * np.pi * tt / rng.uniform(40, 200) + rng.uniform(0, 6.3))
        va[:, j] = 0.85 * np.tanh(va[:, j])
    z = rng.normal(0, 1, (n, 12))
    bias = np.linspace(-1.4, 0.0, 12)
    au = (z + bias > 0).astype(int)
    return expr, va, au, z


def features(rng, expr, va, z, mu, noise):
    n = len(expr)
    x = np.zeros((n, E + 10))
    x[:, 0:8] = mu[expr] + rng.normal(0, 1.6 * noise, (n, 8))
    x[:, 8:20] = z + rng.normal(0, 0.8 * noise, (n, 12))
    x[:, 20:E] = rng.normal(0, 1, (n, E - 20))
    logits = rng.normal(0, 1.2 * noise, (n, 8))
    logits[np.arange(n), np.array(AFFECTNET_OF_ABAW)[expr]] += 1.5
    x[:, E:E + 8] = logits
    x[:, E + 8:E + 10] = va + rng.normal(0, 0.35 * noise, (n, 2))
    return x


def write_features(path, rows):
    with open(path, "w") as f:
        f.write(f"# emoc features backbone=synthetic embedding={E}\n")
        f.write("video,frame,face,area," + ",".join(f"x{j}" for j in range(E + 10)) + "\n")
        for video, frame, face, area, x in rows:
            f.write(f"{video},{frame},{face},{area:g}," + ",".join(f"{v:.6g}" for v in x) + "\n")


AU_NAMES = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"


def frame_label(rng, name, t, expr, va, au):
    """The label row of frame t (1-based) with some labels missing: EXPR -1 (5 %), VA -5 (5 %),
    all AUs -1 (5 %); one draw of rng per frame."""
    e, (vv, aa), a = expr, va, au.copy()
    r = rng.random()
    if r < 0.05:
        e = -1
    elif r < 0.10:
        vv = aa = -5
    elif r < 0.15:
        a[:] = -1
    return (name, t, vv, aa, e, a)


def write_labels(out, split, labels):
    """OUT/labels_SPLIT.txt from frame_label rows; for the test split also OUT/test_list.txt,
    the frames a submission must cover."""
    with open(os.path.join(out, f"labels_{split}.txt"), "w") as f:
        f.write("image,valence,arousal,expression," + AU_NAMES + "\n")
        for name, t, vv, aa, e, a in labels:
            f.write(f"{name}/{t:05d}.jpg,{vv:.6f},{aa:.6f},{e}," + ",".join(str(int(q)) for q in a) + "\n")
    if split == "test":
        with open(os.path.join(out, "test_list.txt"), "w") as f:
            f.write("image,valence,arousal,expression,aus\n")
            for name, t, *_ in labels:
                f.write(f"{name}/{t:05d}.jpg,\n")


def main():
    out = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 6
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    mu = rng.normal(0, 1.2, (8, 8))
    splits = {"train": 16, "val": 8, "test": 8}
    for split, nvid in splits.items():
        feats = {"A": [], "B": []}
        labels = []
        for v in range(nvid):
            name = f"{split}{v:02d}-{rng.integers(100, 999)}"
            n = int(rng.integers(120, 200))
            expr, va, au, z = video_truth(rng, n)
            face = rng.random(n) > 0.08
            gap = int(rng.integers(0, n - 20))
            face[gap:gap + int(rng.integers(5, 15))] = False
            face[0] = face[0] if v % 3 else False  # some videos start without a face
            two = rng.random(n) < 0.05
            for model, noise in (("A", 1.0), ("B", 1.0)):
                x = features(rng, expr, va, z, mu, noise)
                for t in range(n):
                    if not face[t]:
                        continue
                    feats[model].append((name, t + 1, 0, 900.0, x[t]))
                    if two[t]:
                        feats[model].append((name, t + 1, 1, 200.0, rng.normal(0, 2, E + 10)))
            for t in range(n):
                labels.append(frame_label(rng, name, t + 1, expr[t], va[t], au[t]))
        for model in ("A", "B"):
            write_features(os.path.join(out, f"{model}_{split}.csv"), feats[model])
        write_labels(out, split, labels)
        if split == "test":
            heads = {"VA": "valence,arousal", "EXPR": "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other",
                     "AU": AU_NAMES}
            for task, header in heads.items():
                d = os.path.join(out, "test_uni", task)
                os.makedirs(d, exist_ok=True)
                byvid = {}
                for name, t, vv, aa, e, a in labels:
                    byvid.setdefault(name, []).append((vv, aa, e, a))
                for name, rows in byvid.items():
                    with open(os.path.join(d, name + ".txt"), "w") as f:
                        f.write(header + "\n")
                        for vv, aa, e, a in rows:
                            if task == "VA":
                                f.write(f"{vv:.6f},{aa:.6f}\n")
                            elif task == "EXPR":
                                f.write(f"{e}\n")
                            else:
                                f.write(",".join(str(int(q)) for q in a) + "\n")


if __name__ == "__main__":
    main()
