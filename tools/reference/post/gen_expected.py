#!/usr/bin/python3
"""Generates inputs and expected values for tests/post/test_reference.c.

Metrics come from scikit-learn / scipy, CCC from a direct numpy formula, smoothing from
scipy.ndimage where definitions agree (interior of the sequence) and from direct numpy loops,
and the ABAW7 notebook smoothing from a literal port of its loop (mtl.ipynb cells 64-67).
Output: tests/post/data/reference.txt, one array per line: `name count v0 v1 ...`.
Run: /usr/bin/python3 tools/reference/post/gen_expected.py (deterministic, seed 6).
"""
import math
import os
import sys

import numpy as np
from scipy import ndimage, stats
from sklearn.metrics import (accuracy_score, cohen_kappa_score, confusion_matrix, f1_score)

rng = np.random.default_rng(6)
out = []


def put(name, arr):
    a = np.asarray(arr).ravel()
    if a.dtype.kind in "iub":
        vals = " ".join(str(int(v)) for v in a)
    else:
        vals = " ".join(repr(float(v)) if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in a)
    out.append(f"{name} {a.size} {vals}")


def ccc_numpy(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    mx, my = x.mean(), y.mean()
    vx, vy = np.var(x), np.var(y)
    cov = np.mean((x - mx) * (y - my))
    den = vx + vy + (mx - my) ** 2
    return 1.0 if den == 0 else 2 * cov / den


# ---- CCC ----------------------------------------------------------------------------------
x = rng.normal(0.1, 0.4, 257)
y = 0.6 * x + rng.normal(0.05, 0.3, 257)
put("ccc.x", x); put("ccc.y", y); put("ccc.expected", [ccc_numpy(x, y)])
c = np.full(50, 0.3); v = rng.normal(0, 1, 50)
put("ccc_const.x", c); put("ccc_const.y", v); put("ccc_const.expected", [ccc_numpy(c, v)])

# VA with missing labels (-5)
n = 300
tv = np.clip(rng.normal(0, 0.5, (n, 2)), -1, 1)
pv = tv * 0.7 + rng.normal(0, 0.2, (n, 2))
miss = rng.random(n) < 0.2
tv[miss, rng.integers(0, 2, miss.sum())] = -5
keep = (tv >= -1).all(axis=1)
put("va.pred", pv); put("va.truth", tv)
put("va.expected", [ccc_numpy(pv[keep, 0], tv[keep, 0]), ccc_numpy(pv[keep, 1], tv[keep, 1]), keep.sum()])

# ---- EXPR F1 --------------------------------------------------------------------------------
n = 400
t = rng.integers(0, 7, n)            # class 7 (Other) absent from the truth ...
p = np.where(rng.random(n) < 0.55, t, rng.integers(0, 7, n))  # ... and from the prediction
t[rng.random(n) < 0.1] = -1
m = t >= 0
put("expr.pred", p); put("expr.truth", t)
put("expr.f1", f1_score(t[m], p[m], labels=list(range(8)), average=None, zero_division=0))
put("expr.macro8", [f1_score(t[m], p[m], labels=list(range(8)), average="macro", zero_division=0)])
put("expr.macro_present", [f1_score(t[m], p[m], average="macro")])
put("expr.accuracy", [accuracy_score(t[m], p[m])])
put("expr.confusion", confusion_matrix(t[m], p[m], labels=list(range(8))))
put("expr.n", [m.sum()])

# ---- AU F1 ----------------------------------------------------------------------------------
n = 350
ta = (rng.random((n, 12)) < np.linspace(0.05, 0.6, 12)).astype(int)
sa = np.clip(ta * 0.35 + rng.random((n, 12)) * 0.65, 0, 1)
pa = (sa >= 0.5).astype(int)
ta[rng.random(n) < 0.15, rng.integers(0, 12)] = -1
ma = (ta >= 0).all(axis=1)
put("au.scores", sa); put("au.pred", pa); put("au.truth", ta)
f1au = [f1_score(ta[ma, k], pa[ma, k], zero_division=0) for k in range(12)]
put("au.f1", f1au); put("au.n", [ma.sum()])
# threshold tuning: grid 0.1..0.9, first best on ties (np.argmax)
grid = np.round(np.arange(1, 10) * 0.1, 12)
best_t, best_f = [], []
for k in range(12):
    fs = [f1_score(ta[ma, k], (sa[ma, k] >= g).astype(int), zero_division=0) for g in grid]
    i = int(np.argmax(fs)); best_t.append(grid[i]); best_f.append(fs[i])
put("au.tuned_thr", best_t); put("au.tuned_f1", best_f)

# ---- kappa and KL ---------------------------------------------------------------------------
a = rng.integers(0, 8, 500)
b = np.where(rng.random(500) < 0.6, a, rng.integers(0, 8, 500))
put("kappa.a", a); put("kappa.b", b); put("kappa.expected", [cohen_kappa_score(a, b)])
cp = np.bincount(a, minlength=8).astype(float); cq = np.bincount(b, minlength=8).astype(float)
put("kl.expected_eps0", [stats.entropy(cp, cq)])
put("kl.expected_eps1e-3", [stats.entropy(cp + 1e-3, cq + 1e-3)])

# ---- smoothing ------------------------------------------------------------------------------
n, dim = 120, 3
dense = np.cumsum(rng.normal(0, 1, (n, dim)), axis=0) + rng.normal(0, 0.5, (n, dim))
put("dense.values", dense)
d = 5
box = np.array([dense[max(0, i - d):min(n, i + d + 1)].mean(axis=0) for i in range(n)])
put("dense.box5", box)  # direct clipped mean, every row
uf = ndimage.uniform_filter1d(dense, size=2 * d + 1, axis=0, mode="nearest")
put("dense.box5_scipy_interior", uf[d:n - d])  # agrees with the clipped mean away from the ends
sig = 3.0
radius = int(4.0 * sig + 0.5)
gf = ndimage.gaussian_filter1d(dense, sigma=sig, axis=0, truncate=4.0, mode="nearest")
put("dense.gauss_paper_sigma3_delta", [radius])
put("dense.gauss_paper_scipy_interior", gf[radius:n - radius])

# sparse multi-video list (real frame numbers with gaps)
vids, frames = [], []
for v, cnt in enumerate([40, 7, 55, 1, 30]):
    f = np.sort(rng.choice(np.arange(1, cnt * 3 + 1), cnt, replace=False))
    vids += [v] * cnt; frames += list(f)
vids, frames = np.array(vids), np.array(frames)
ns = len(vids)
sv = rng.random((ns, 4))
put("list.video", vids); put("list.frames", frames); put("list.values", sv)


def smooth_frames(vals, fr, kind, sigma, delta):
    o = np.zeros_like(vals)
    for i in range(len(fr)):
        dfr = fr - fr[i]
        sel = np.abs(dfr) <= delta
        if kind == "box": w = np.ones(sel.sum())
        elif kind == "paper": w = np.exp(-dfr[sel] ** 2 / (2 * sigma ** 2))
        else: w = np.exp(-dfr[sel] ** 2 / sigma)
        o[i] = (w[:, None] * vals[sel]).sum(axis=0) / w.sum()
    return o


for kind, sigma, delta in [("box", 1.0, 4), ("paper", 2.5, 6), ("code", 50.0, 10)]:
    res = np.zeros_like(sv)
    for v in np.unique(vids):
        s = vids == v
        res[s] = smooth_frames(sv[s], frames[s], kind, sigma, delta)
    put(f"list.{kind}", res)


def notebook_smooth(videoname_frames_val, y_pred, sigma, delta):
    """Literal port of ABAW7 mtl.ipynb (cell 65), float64 instead of the float32 Keras output."""
    y_pred_smooth = np.zeros_like(y_pred)
    num_y = len(y_pred)
    for i in range(num_y):
        start, end = max(0, i - delta), min(num_y, i + delta + 1)
        k_sum = 0
        for j in range(i - 1, start, -1):
            if videoname_frames_val[j][0] == videoname_frames_val[i][0]:
                k = math.exp(-(videoname_frames_val[j][1] - videoname_frames_val[i][1]) ** 2 / sigma)
                y_pred_smooth[i] += k * y_pred[j]
                k_sum += k
            else:
                break
        for j in range(i, end):
            if videoname_frames_val[j][0] == videoname_frames_val[i][0]:
                k = math.exp(-(videoname_frames_val[j][1] - videoname_frames_val[i][1]) ** 2 / sigma)
                y_pred_smooth[i] += k * y_pred[j]
                k_sum += k
            else:
                break
        y_pred_smooth[i] /= k_sum
    return y_pred_smooth


vf = [(f"video{v}", int(f)) for v, f in zip(vids, frames)]
put("list.notebook_1e5_5", notebook_smooth(vf, sv.copy(), 100000, 5))
put("list.notebook_10_3", notebook_smooth(vf, sv.copy(), 10, 3))

# interpolation (np.interp copies the ends, like §7.4)
kf = np.array([3, 4, 9, 15, 16, 30]); kv = rng.normal(0, 1, (6, 2))
q = np.arange(1, 34)
put("interp.frames", kf); put("interp.values", kv); put("interp.query", q)
put("interp.expected", np.stack([np.interp(q, kf, kv[:, j]) for j in range(2)], axis=1))

# ---- compound expressions -------------------------------------------------------------------
lg = rng.normal(0, 2, (20, 8))
pr = np.exp(lg - lg.max(axis=1, keepdims=True)); pr /= pr.sum(axis=1, keepdims=True)
pairs = [(3, 7), (4, 7), (6, 7), (2, 7), (0, 7), (6, 3), (6, 0)]
put("ce.logits", lg)
put("ce.arith", np.stack([(pr[:, a] + pr[:, b]) / 2 for a, b in pairs], axis=1))
put("ce.geom", np.stack([stats.gmean(pr[:, [a, b]], axis=1) for a, b in pairs], axis=1))
put("ce.harm", np.stack([stats.hmean(pr[:, [a, b]], axis=1) for a, b in pairs], axis=1))

path = os.path.join(os.path.dirname(__file__), "../../../tests/post/data/reference.txt")
with open(sys.argv[1] if len(sys.argv) > 1 else path, "w") as f:
    f.write("# generated by tools/reference/post/gen_expected.py — do not edit\n")
    f.write("\n".join(out) + "\n")
