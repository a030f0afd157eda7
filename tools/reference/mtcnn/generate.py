"""Generates the MTCNN conformance case into OUT (run by tools/reference/mtcnn/conformance.sh):

  OUT/pnet.pt rnet.pt onet.pt   random-weight state_dicts (weights.py), torch.save zip format
  OUT/rnet_bad_shape.pt, onet_extra.pt  the same with a wrong shape / an extra tensor
  OUT/<image>.ppm               test frames: composites of ../shared/data faces (several sizes
                                tiled, cut by the border, wide, tall, grey) and the no-face photo
  OUT/<image>.ref.json          upstream MTCNN.detect() on it: boxes, probs, landmarks, and how many
                                candidates survived each stage (each must be >= 10)
  OUT/<image>.<net>.<k>.in.f32 / .out.f32 / .shape
                                sub-network calls (inputs NCHW, raw outputs logits|reg|landmarks)

usage: generate.py DATA_DIR NOFACE.ppm OUT_DIR
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from detect import mtcnn_detect  # noqa: E402
from weights import random_nets, save  # noqa: E402

SEED = 20261206
MIN_SURVIVORS = 10
MAX_CROPS = 48      # RNet / ONet calls dumped per image


def read_pnm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts, pos = [], 0
    while len(parts) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            while data[pos:pos + 1] not in (b"\n", b""):
                pos += 1
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        parts.append(data[start:pos])
    pos += 1
    w, h = int(parts[1]), int(parts[2])
    ch = 3 if parts[0] == b"P6" else 1
    img = np.frombuffer(data[pos:pos + w * h * ch], np.uint8).reshape(h, w, ch)
    return np.repeat(img, 3, axis=2) if ch == 1 else img.copy()


def write_ppm(path, img):
    h, w, _ = img.shape
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(np.ascontiguousarray(img, np.uint8).tobytes())


def resize_nn(img, h, w):
    ys = (np.arange(h) * img.shape[0] // h)
    xs = (np.arange(w) * img.shape[1] // w)
    return img[ys][:, xs]


def paste(canvas, img, y, x):
    h, w = img.shape[:2]
    H, W = canvas.shape[:2]
    y0, x0 = max(y, 0), max(x, 0)
    y1, x1 = min(y + h, H), min(x + w, W)
    if y1 > y0 and x1 > x0:
        canvas[y0:y1, x0:x1] = img[y0 - y:y1 - y, x0 - x:x1 - x]


def frames(data_dir, noface):
    import cv2
    astro = cv2.cvtColor(cv2.imread(os.path.join(data_dir, "astronaut.png")), cv2.COLOR_BGR2RGB)
    face = cv2.cvtColor(cv2.imread(os.path.join(data_dir, "face.png")), cv2.COLOR_BGR2RGB)
    rng = np.random.default_rng(SEED)
    out = {}
    c = np.full((480, 640, 3), 90, np.uint8)          # several faces of different sizes
    paste(c, resize_nn(face, 200, 200), 20, 20)
    paste(c, resize_nn(astro, 260, 260), 200, 330)
    paste(c, resize_nn(face, 90, 90), 300, 60)
    paste(c, resize_nn(face, 56, 56), 60, 420)
    out["multi"] = c
    c = (rng.integers(0, 256, (300, 420, 3)) // 3 + 60).astype(np.uint8)  # faces cut by borders
    paste(c, resize_nn(face, 160, 160), -50, -40)
    paste(c, resize_nn(astro, 200, 200), 180, 300)
    out["border"] = c
    c = np.full((220, 900, 3), 30, np.uint8)          # wide
    for i, s in enumerate((200, 120, 80, 150)):
        paste(c, resize_nn(face if i % 2 else astro, s, s), 10, 20 + i * 220)
    out["wide"] = c
    c = np.full((760, 260, 3), 200, np.uint8)         # tall
    paste(c, resize_nn(face, 240, 240), 10, 10)
    paste(c, resize_nn(astro, 180, 180), 300, 40)
    paste(c, resize_nn(face, 100, 100), 560, 100)
    out["tall"] = c
    for k in out:   # sensor-like noise: no two windows identical, so no tied scores
        noise = rng.integers(-6, 7, out[k].shape)
        out[k] = np.clip(out[k].astype(np.int16) + noise, 0, 255).astype(np.uint8)
    g = out["multi"].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    out["grey"] = np.repeat(np.clip(g + 0.5, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
    out["noface"] = read_pnm(noface)
    return out


def main():
    data_dir, noface, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    nets = random_nets(SEED)
    save(nets, out_dir)
    # malformed checkpoints for the converter's refusals (conformance.sh)
    import torch
    bad = dict(nets[1].state_dict())
    bad["dense4.weight"] = bad["dense4.weight"][:, :575].clone()
    torch.save(bad, os.path.join(out_dir, "rnet_bad_shape.pt"))
    extra = dict(nets[2].state_dict())
    extra["dense7.weight"] = torch.zeros(2)
    torch.save(extra, os.path.join(out_dir, "onet_extra.pt"))
    failures = []
    for name, img in frames(data_dir, noface).items():
        write_ppm(os.path.join(out_dir, name + ".ppm"), img)
        record, stats = {}, {}
        boxes, probs, points = mtcnn_detect(img, nets, min_face_size=40, record=record, stats=stats)
        for k in ("stage1", "stage2", "stage3"):
            if stats.get(k, 0) < MIN_SURVIVORS:
                failures.append(f"{name}: only {stats.get(k, 0)} candidates after {k}")
        calls = 0
        for net, items in record.items():
            for k, (x, raw) in enumerate(items):
                # emoc's output order: logits, box offsets, landmarks
                order = [raw[-1], raw[0]] + raw[1:-1]
                n = x.shape[0] if net == "pnet" else min(x.shape[0], MAX_CROPS)
                base = os.path.join(out_dir, f"{name}.{net}.{k}")
                x[:n].astype("<f4").tofile(base + ".in.f32")
                per_item = [np.concatenate([o[i].reshape(-1) for o in order]) for i in range(n)]
                np.concatenate(per_item).astype("<f4").tofile(base + ".out.f32")
                with open(base + ".shape", "w") as f:
                    f.write(f"{net} {n}x{x.shape[2]}x{x.shape[3]}\n")
                calls += 1
        ref = {"boxes": boxes.tolist(), "probs": probs.tolist(), "points": points.tolist(),
               "stats": stats, "subnet_calls": calls}
        with open(os.path.join(out_dir, name + ".ref.json"), "w") as f:
            json.dump(ref, f)
        print(f"{name}: {img.shape[1]}x{img.shape[0]} stages {stats} faces {len(boxes)}")
    if failures:
        print("too few survivors (the check would prove little):\n  " + "\n  ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
