#!/usr/bin/python3
"""emoc's RetinaFace against upstream detect.py on the REAL published weights and real photos
(run by hand: the weights are downloaded, never committed; CI has no GitHub).

Usage: real_check.py EMOC_BIN EMW CHECKPOINT.pth IMAGE... [--variant 1mb]
For each image: the replica loaded with the checkpoint (strict) runs detect.py on cv2.imread's
pixels; `emoc detect` runs on the same file with its own decoder. Faces ≥ 0.6 are matched in
order; prints a table row per image: faces (upstream / emoc), min IoU, max |Δscore|, max landmark
distance (px), and PASS when the faces are the same, IoU ≥ 0.98, |Δscore| ≤ 2e-3 and landmarks
within 1.5 px.
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import detect  # noqa: E402
import nets  # noqa: E402


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / u if u > 0 else 0.0


def main():
    args = sys.argv[1:]
    variant = "0.25"
    if "--variant" in args:
        i = args.index("--variant")
        variant = args[i + 1]
        del args[i:i + 2]
    emoc, emw, ckpt, images = args[0], args[1], args[2], args[3:]
    torch.set_grad_enabled(False)
    model = nets.RetinaFace(variant=variant)
    sd = torch.load(ckpt, map_location="cpu")
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}
    model.load_state_dict(sd, strict=True)
    model.eval()
    cfg = nets.CFG_1MB if variant == "1mb" else nets.CFG_MNET
    ok_all = True
    print("| image | size | faces upstream / emoc | min IoU | max abs d-score | max landmark px | result |")
    print("|---|---|---|---|---|---|---|")
    for path in images:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        dets = detect.detect(model, img, cfg)[3]
        ref = dets[dets[:, 4] >= 0.6]
        p = subprocess.run([emoc, "detect", "-m", emw, "--format", "jsonl", "-q", path],
                           capture_output=True, text=True)
        rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        got = [r for r in rows if r["status"] == "ok"]
        same = p.returncode == 0 and len(got) == len(ref)
        mi, ds, dl = 1.0, 0.0, 0.0
        if same:
            for g, r in zip(got, ref):
                mi = min(mi, iou(g["box"], r[:4]))
                ds = max(ds, abs(g["score"] - float(r[4])))
                for k in range(5):
                    dl = max(dl, float(np.hypot(g["landmarks"][k][0] - r[5 + 2 * k],
                                                g["landmarks"][k][1] - r[6 + 2 * k])))
        ok = same and mi >= 0.98 and ds <= 2e-3 and dl <= 1.5
        ok_all &= ok
        print("| %s | %dx%d | %d / %d | %s | %s | %s | %s |" % (
            os.path.basename(path), img.shape[1], img.shape[0], len(ref), len(got),
            "%.5f" % mi if same else "-", "%.2e" % ds if same else "-",
            "%.3f" % dl if same else "-", "PASS" if ok else "FAIL"))
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
