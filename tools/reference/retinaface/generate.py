#!/usr/bin/python3
"""RetinaFace conformance data (docs/detectors.md §2): random-weight replica, test images and the
upstream detect.py results, written to OUT (default tools/reference/out/retinaface/).

- Test images (PNG, so both sides see the same pixels): composites of /work/shared/data faces
  (several sizes tiled on a textured frame; faces cut by each border; a wide and a tall odd-sized
  crop; a grey one) and rocket.jpg (a real photo without a face, decoded by cv2).
- Weights: the replica (nets.py) with randomize.py's seeded weights and calibrated BatchNorm
  statistics; the class heads' face logit is then shifted by the most negative offset for which every
  image keeps at least MIN_FACES faces at the report threshold 0.6 after NMS, and for which the
  result is stable under perturbations far larger than emoc's tolerance (so the check neither
  proves nothing nor hinges on a float tie). Saved as a legacy torch.save checkpoint, as the
  published weights are.
- Per image NAME: NAME.png, NAME.loc.f32 / .conf.f32 / .landms.f32 (raw outputs, [P,4], [P,2],
  [P,10] float32) and NAME.dets.json (rows x1 y1 x2 y2 score + 5 landmark pairs with score ≥ 0.6,
  upstream order).
Usage: generate.py [--variant 0.25|1mb] [OUT]
"""
import json
import os
import sys

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import detect  # noqa: E402
import nets  # noqa: E402
from randomize import randomize  # noqa: E402

DATA = "/work/shared/data"
MIN_FACES = 10
VIS = 0.6


def load(name, gray=False):
    img = cv2.imread(os.path.join(DATA, name), cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit("cannot read %s/%s" % (DATA, name))
    return img


def background(h, w, seed):
    """Smooth colour ramps plus blurred noise: no flat regions."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([60 + 120 * x / max(w - 1, 1), 90 + 80 * y / max(h - 1, 1),
                     150 - 60 * (x + y) / max(w + h - 2, 1)], axis=2)
    noise = cv2.GaussianBlur(rng.uniform(-40, 40, (h, w, 3)).astype(np.float32), (0, 0), 3)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def paste(img, face, x, y, size):
    f = cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + size, w), min(y + size, h)
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] = f[y0 - y:y1 - y, x0 - x:x1 - x]


def images():
    face = load("face.png")
    astro = load("astronaut.png")[20:220, 130:330]  # the astronaut's head and shoulders
    gray = cv2.cvtColor(load("face_gray.png", gray=True), cv2.COLOR_GRAY2BGR)
    out = {}
    im = background(480, 640, 1)
    for (x, y, s, f) in [(20, 30, 200, face), (260, 40, 150, astro), (440, 60, 120, face),
                         (60, 300, 90, astro), (200, 320, 64, face), (330, 330, 48, face),
                         (420, 300, 150, face)]:
        paste(im, f, x, y, s)
    out["multi"] = im
    im = background(375, 500, 2)
    for (x, y, s, f) in [(-60, 100, 160, face), (180, -70, 170, astro), (400, 150, 180, face),
                         (200, 280, 140, face), (120, 120, 100, face)]:
        paste(im, f, x, y, s)
    out["border"] = im
    im = background(203, 801, 3)
    for i, s in enumerate([180, 120, 90, 150, 60]):
        paste(im, face if i % 2 == 0 else astro, 10 + 160 * i, 10, s)
    out["wide"] = im
    im = background(533, 157, 4)
    for i, s in enumerate([140, 100, 120, 70]):
        paste(im, face if i % 2 else astro, 5, 10 + 130 * i, s)
    out["tall"] = im
    im = cv2.cvtColor(cv2.cvtColor(background(240, 320, 5), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    for (x, y, s) in [(10, 20, 150), (170, 40, 120), (180, 170, 60)]:
        paste(im, gray, x, y, s)
    out["grey"] = im
    out["rocket"] = load("rocket.jpg")
    return out


def preprocess_batch(imgs, size=160):
    xs = [detect.preprocess(cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA))
          for im in imgs]
    return torch.cat(xs, 0)


def final(dets):
    return dets[dets[:, 4] >= VIS] if len(dets) else dets


def run(model, cfg, imgs):
    return {k: detect.detect(model, im, cfg) for k, im in imgs.items()}


def stable(model, cfg, imgs, res, trials=4):
    """Same faces, order and ~boxes when the raw outputs move by 20× emoc's tolerance."""
    g = torch.Generator().manual_seed(7)
    for name, (loc, conf, landms, dets) in res.items():
        ref = final(dets)
        h, w = imgs[name].shape[:2]
        for _ in range(trials):
            def jig(a, scale):
                a = torch.from_numpy(a)
                return a + (torch.rand(a.shape, generator=g) * 2 - 1) * scale * a.abs().clamp_min(1)
            d2 = detect.postprocess(jig(loc, 2e-5).unsqueeze(0), jig(conf, 2e-6).unsqueeze(0),
                                    jig(landms, 2e-5).unsqueeze(0), h, w, cfg)
            d2 = final(d2)
            if d2.shape != ref.shape or np.abs(d2 - ref).max(initial=0) > 0.05:
                return False
    return True


def main():
    args = sys.argv[1:]
    variant = "0.25"
    if args[:1] == ["--variant"]:
        variant, args = args[1], args[2:]
    out = args[0] if args else os.path.join(HERE, "..", "out", "retinaface" +
                                            ("" if variant == "0.25" else "_1mb"))
    os.makedirs(out, exist_ok=True)
    cfg = nets.CFG_1MB if variant == "1mb" else nets.CFG_MNET
    torch.set_grad_enabled(False)
    imgs = images()
    model = nets.RetinaFace(variant="1mb" if variant == "1mb" else "0.25")
    randomize(model, 2025 if variant == "0.25" else 2026,
              preprocess_batch([imgs["multi"], imgs["border"], imgs["rocket"]]))
    # Trained heads give O(1) regressions; random ones on these deep random features are so
    # large that float32 rounding of the trunk alone moves boxes by millipixels: scale them.
    for h in list(model.BboxHead) + list(model.LandmarkHead):
        h.conv1x1.weight.mul_(0.1)
        h.conv1x1.bias.mul_(0.1)
    for h in model.ClassHead:
        h.conv1x1.weight.mul_(0.25)
    base = [h.conv1x1.bias.clone() for h in model.ClassHead]
    chosen = None
    for delta in [x * 0.1 - 3 for x in range(0, 61)]:  # most negative first: fewest candidates
        for h, b in zip(model.ClassHead, base):
            h.conv1x1.bias.copy_(b)
            h.conv1x1.bias[1::2] += delta
        res = run(model, cfg, imgs)
        counts = {k: int((v[3][:, 4] >= VIS).sum()) for k, v in res.items()}
        if min(counts.values()) >= MIN_FACES and stable(model, cfg, imgs, res):
            chosen = delta
            break
    if chosen is None:
        raise SystemExit("no class-bias offset gives >= %d stable faces on every image" % MIN_FACES)
    ckpt = os.path.join(out, "retinaface_random.pth")
    torch.save(model.state_dict(), ckpt, _use_new_zipfile_serialization=False)
    manifest = []
    for name, (loc, conf, landms, dets) in res.items():
        cv2.imwrite(os.path.join(out, name + ".png"), imgs[name])
        for tag, a in (("loc", loc), ("conf", conf), ("landms", landms)):
            np.asarray(a, dtype="<f4").tofile(os.path.join(out, "%s.%s.f32" % (name, tag)))
        f = final(dets)
        with open(os.path.join(out, name + ".dets.json"), "w") as fh:
            json.dump([[float(v) for v in row] for row in f], fh)
        manifest.append("%s\t%dx%d\t%d priors\t%d candidates > 0.02\t%d faces >= 0.6" % (
            name, imgs[name].shape[1], imgs[name].shape[0], loc.shape[0],
            int((conf[:, 1] > 0.02).sum()), len(f)))
    with open(os.path.join(out, "manifest.tsv"), "w") as fh:
        fh.write("# class-logit offset %.2f\n" % chosen + "\n".join(manifest) + "\n")
    print("retinaface (%s): offset %.2f" % (variant, chosen))
    print("\n".join("  " + m for m in manifest))


if __name__ == "__main__":
    main()
