"""emoc's MTCNN against the replica running the published weights (not in CI: the weights and
photos are downloaded by hand; nothing here fetches them).

usage: real_weights.py EMOC_BIN MTCNN.emw PNET.pt RNET.pt ONET.pt IMAGE...
Each image is decoded by `emoc decode` (so both sides see the same pixels), detected by
`emoc detect --threshold 0.9` and by the replica's MTCNN.detect() keeping probs > 0.9
(EmotiEffLib). Prints per image: faces, the worst IoU of matched boxes, max |d score|, max
landmark distance (px). Exit 1 if any image breaks IoU >= 0.98, |d score| <= 2e-3,
landmarks <= 1.5 px or the face counts differ."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detect import mtcnn_detect  # noqa: E402
from generate import read_pnm  # noqa: E402
from nets import load_nets  # noqa: E402


def iou(a, b):
    xx1, yy1 = max(a[0], b[0]), max(a[1], b[1])
    xx2, yy2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, xx2 - xx1) * max(0.0, yy2 - yy1)
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / u if u > 0 else 0.0


def main():
    emoc, emw, pnet, rnet, onet = sys.argv[1:6]
    nets = load_nets(pnet, rnet, onet)
    ok = True
    print(f"{'image':28s} {'size':>10s} {'emoc':>4s} {'ref':>4s} {'min IoU':>8s} {'max|ds|':>9s} {'max lm px':>9s}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in sys.argv[6:]:
            ppm = os.path.join(tmp, "f.ppm")
            subprocess.run([emoc, "decode", path, "-o", ppm], check=True)
            img = read_pnm(ppm)
            out = subprocess.run([emoc, "detect", "-q", "-m", emw, "--format", "jsonl", ppm],
                                 check=True, capture_output=True, text=True).stdout
            rows = [json.loads(l) for l in out.splitlines() if l.strip()]
            rows = [r for r in rows if r["status"] == "ok"]
            boxes, probs, points = mtcnn_detect(img, nets, min_face_size=40)
            keep = probs > 0.9
            boxes, probs, points = boxes[keep], probs[keep], points[keep]
            worst_iou, dscore, dlm = 1.0, 0.0, 0.0
            same = len(rows) == len(boxes)
            for r, b, p, l in zip(rows, boxes, probs, points):
                worst_iou = min(worst_iou, iou(r["box"], b))
                dscore = max(dscore, abs(r["score"] - float(p)))
                dlm = max(dlm, float(np.abs(np.array(r["landmarks"]) - l).max()))
            good = same and worst_iou >= 0.98 and dscore <= 2e-3 and dlm <= 1.5
            ok &= good
            print(f"{os.path.basename(path):28s} {img.shape[1]:>4d}x{img.shape[0]:<5d} {len(rows):4d} "
                  f"{len(boxes):4d} {worst_iou:8.5f} {dscore:9.2e} {dlm:9.2e} {'ok' if good else 'MISMATCH'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
