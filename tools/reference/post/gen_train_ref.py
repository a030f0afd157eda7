#!/usr/bin/python3
"""Synthetic MTL-head training set + a PyTorch reference run (tests/post/test_post_train.c).

The data are generated with splitmix64 + math (glibc libm) exactly as the C test does, so both
sides see the same float32 features. The PyTorch run uses the same recipe as post/train.c
(Glorot init, Adam lr 1e-3 eps 1e-7, batch 512, class-weighted CE + L2, 1 - mean CCC + L2,
weighted BCE, best epoch on validation) but its own shuffling, so the C head must land within a
margin of these metrics, not on them. Writes tests/post/data/train_ref.txt.
"""
import math
import os
import sys

import numpy as np
import torch
from sklearn.metrics import f1_score

MASK = (1 << 64) - 1
E, N_TRAIN, N_VAL = 16, 3000, 1000
EPOCHS = (100, 500, 20)  # expr, va, au — longer than §7.1 because the set is tiny


class SplitMix:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def u(self):
        return (self.next() >> 11) * (2.0 ** -53)

    def gauss(self):
        u1, u2 = self.u(), self.u()
        return math.sqrt(-2.0 * math.log(u1 + 1e-300)) * math.cos(2.0 * math.pi * u2)


def make_set(r, mu, n):
    X = np.zeros((n, E + 10), np.float32)
    va = np.zeros((n, 2)); ex = np.zeros(n, int); au = np.zeros((n, 12), int)
    for i in range(n):
        c = min(int(r.u() * 8), 7)
        x = [mu[c][j] + r.gauss() for j in range(E)]
        tv, ta = 0.8 * (2 * r.u() - 1), 0.8 * (2 * r.u() - 1)
        s = [(2.0 if k == c else 0.0) + 0.5 * r.gauss() for k in range(8)]
        s += [tv + 0.2 * r.gauss(), ta + 0.2 * r.gauss()]
        X[i] = np.array(x + s, np.float64).astype(np.float32)
        for k in range(12):
            au[i, k] = 1 if x[k] - 0.5 * x[(k + 5) % E] + 0.5 * r.gauss() > 0.2 * k - 0.8 else 0
        ex[i], va[i] = c, (tv, ta)
        m = r.u()
        if m < 0.1: ex[i] = -1
        elif m < 0.2: va[i] = (-5, -5)
        elif m < 0.3: au[i, int(r.u() * 12) % 12] = -1
    return X, va, ex, au


def make_data(seed=2026):
    r = SplitMix(seed)
    mu = [[1.5 * r.gauss() for _ in range(E)] for _ in range(8)]
    return make_set(r, mu, N_TRAIN), make_set(r, mu, N_VAL)


def ccc_t(x, y):
    mx, my = x.mean(), y.mean()
    vx, vy = ((x - mx) ** 2).mean(), ((y - my) ** 2).mean()
    cov = ((x - mx) * (y - my)).mean()
    return 2 * cov / (vx + vy + (mx - my) ** 2 + 1e-7)


def ccc_np(x, y):
    mx, my = x.mean(), y.mean()
    return 2 * np.mean((x - mx) * (y - my)) / (x.var() + y.var() + (mx - my) ** 2)


def train_torch(tr, va_set, seed):
    torch.manual_seed(seed)
    X, yva, yex, yau = tr
    Xv, vva, vex, vau = va_set
    D = E + 10
    Xt, Xvt = torch.tensor(X, dtype=torch.float64), torch.tensor(Xv, dtype=torch.float64)
    res = {}
    # EXPR
    W = torch.nn.Linear(D, 8).double(); torch.nn.init.xavier_uniform_(W.weight); torch.nn.init.zeros_(W.bias)
    m = yex >= 0
    cnt = np.bincount(yex[m], minlength=8); cw = torch.tensor(cnt.max() / np.maximum(cnt, 1), dtype=torch.float64)
    opt = torch.optim.Adam(W.parameters(), lr=1e-3, eps=1e-7)
    idx = np.nonzero(m)[0]; best = -1
    for ep in range(EPOCHS[0]):
        perm = idx[torch.randperm(len(idx)).numpy()]
        for s in range(0, len(perm), 512):
            b = perm[s:s + 512]
            z = W(Xt[b]); y = torch.tensor(yex[b])
            loss = (cw[y] * torch.nn.functional.cross_entropy(z, y, reduction="none")).mean() + (W.weight ** 2).sum() / 512
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            pred = W(Xvt).argmax(1).numpy()
        mv = vex >= 0
        f1 = f1_score(vex[mv], pred[mv], labels=list(range(8)), average="macro", zero_division=0)
        best = max(best, f1)
    res["f1_expr"] = best
    # VA
    V = torch.nn.Linear(10, 2).double(); torch.nn.init.xavier_uniform_(V.weight); torch.nn.init.zeros_(V.bias)
    opt = torch.optim.Adam(V.parameters(), lr=1e-3, eps=1e-7)
    idx = np.nonzero((yva >= -1).all(1))[0]; best = -1
    for ep in range(EPOCHS[1]):
        perm = idx[torch.randperm(len(idx)).numpy()]
        for s in range(0, len(perm), 512):
            b = perm[s:s + 512]
            p = torch.tanh(V(Xt[b, E:])); y = torch.tensor(yva[b])
            loss = 1 - 0.5 * (ccc_t(p[:, 0], y[:, 0]) + ccc_t(p[:, 1], y[:, 1])) + (V.weight ** 2).sum() / 512
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            p = torch.tanh(V(Xvt[:, E:])).numpy()
        mv = (vva >= -1).all(1)
        best = max(best, 0.5 * (ccc_np(p[mv, 0], vva[mv, 0]) + ccc_np(p[mv, 1], vva[mv, 1])))
    res["p_va"] = best
    # AU
    A1 = torch.nn.Linear(D, 128).double(); A2 = torch.nn.Linear(128, 12).double()
    for L in (A1, A2):
        torch.nn.init.xavier_uniform_(L.weight); torch.nn.init.zeros_(L.bias)
    ma = (yau >= 0).all(1); tot = ma.sum(); pos = yau[ma].sum(0); neg = tot - pos
    w1 = torch.tensor(tot / (2.0 * pos)); w0 = torch.tensor(tot / (2.0 * neg))
    opt = torch.optim.Adam(list(A1.parameters()) + list(A2.parameters()), lr=1e-3, eps=1e-7)
    idx = np.nonzero(ma)[0]; best = -1
    for ep in range(EPOCHS[2]):
        perm = idx[torch.randperm(len(idx)).numpy()]
        for s in range(0, len(perm), 512):
            b = perm[s:s + 512]
            z = A2(torch.relu(A1(Xt[b]))); y = torch.tensor(yau[b], dtype=torch.float64)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")
            loss = ((w0 ** (1 - y)) * (w1 ** y) * bce).mean()
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            p = torch.sigmoid(A2(torch.relu(A1(Xvt)))).numpy() >= 0.5
        mv = (vau >= 0).all(1)
        best = max(best, np.mean([f1_score(vau[mv, k], p[mv, k], zero_division=0) for k in range(12)]))
    res["f1_au"] = best
    return res


if __name__ == "__main__":
    tr, va = make_data()
    runs = [train_torch(tr, va, s) for s in range(3)]
    out = os.path.join(os.path.dirname(__file__), "../../../tests/post/data/train_ref.txt")
    with open(sys.argv[1] if len(sys.argv) > 1 else out, "w") as f:
        f.write("# generated by tools/reference/post/gen_train_ref.py — PyTorch reference, 3 seeds\n")
        for k in ("f1_expr", "p_va", "f1_au"):
            vals = [r[k] for r in runs]
            f.write(f"torch.{k} 3 " + " ".join(repr(float(v)) for v in vals) + "\n")
        f.write(f"data.first_row {E + 10} " + " ".join(repr(float(v)) for v in tr[0][0]) + "\n")
        f.write(f"data.last_val_row {E + 10} " + " ".join(repr(float(v)) for v in va[0][-1]) + "\n")
        f.write(f"data.val_expr_sum 1 {int(va[2].sum())}\n")
    print(runs)
