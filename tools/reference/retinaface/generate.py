#!/usr/bin/python3
"""RetinaFace conformance data (docs/detectors.md §2): random-weight replica, test images and the
upstream detect.py results, written to OUT (default tools/reference/out/retinaface/).

- Test images (PNG, so both sides see the same pixels): composites of ../shared/data faces
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
import math
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
import margins  # noqa: E402
from randomize import randomize  # noqa: E402

# The test photos: EMOC_SHARED_DATA, else ../shared/data beside the repository (as
# conformance.sh and mtcnn/conformance.sh find them), else /work/shared/data (a worktree).
DATA = os.environ.get("EMOC_SHARED_DATA") or os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "..", "shared", "data"))
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"
MIN_FACES = 10
BN_SHIFT = 1.0      # randomize.py: BatchNorm outputs centred at ~+1σ (rounding grows less)
CLASS_DRAWS = 20
VIS = margins.VIS
LOGIT_VIS = float(np.log(VIS / (1 - VIS)))


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
    im = background(701, 211, 4)
    for i, s in enumerate([200, 130, 150, 90]):
        paste(im, face if i % 2 else astro, 5, 10 + 170 * i, s)
    out["tall"] = im
    im = cv2.cvtColor(cv2.cvtColor(background(360, 480, 5), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    for (x, y, s) in [(10, 20, 220), (250, 40, 180), (260, 250, 90), (120, 260, 70)]:
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


def trunk_outputs(model, cfg, imgs):
    """One forward pass per image: the class heads' inputs (each level's SSH features), the boxes
    as detect.py decodes them (float32; the class heads do not change them), each prior's size
    in px, and the forward's float32 face scores."""
    feats = []
    hooks = [h.register_forward_hook(lambda m, i, o: feats.append(i[0])) for h in model.ClassHead]
    res = {}
    for name, im in imgs.items():
        del feats[:]
        loc, conf, landms = model(detect.preprocess(im))
        h, w = im.shape[:2]
        priors = detect.prior_box(cfg, image_size=(h, w))
        boxes = detect.decode(loc[0], priors, cfg["variance"]) * torch.Tensor([w, h, w, h])
        side = (priors[:, 2] * w).double().numpy()   # the prior's min_size in px
        res[name] = (list(feats), boxes.numpy(), side, conf[0, :, 1].numpy())
    for hk in hooks:
        hk.remove()
    return res


def face_logits(model, feats):
    """Face minus background logit of every prior, from the class heads run on the features."""
    lg = torch.cat([h(f) for h, f in zip(model.ClassHead, feats)], 1)[0].double()
    return (lg[:, 1] - lg[:, 0]).numpy()


def search_offset(model, trunk, start):
    """The smallest offset of the face logit from `start` up, in steps of 0.01, at which every
    image keeps at least MIN_FACES faces with 1.5× every decision margin of margins.py (the 0.5
    covers the float32 rounding of the logits once the offset is in the bias), or None."""
    logits = {name: face_logits(model, t[0]) for name, t in trunk.items()}
    lo = max(LOGIT_VIS - np.sort(d)[::-1][MIN_FACES - 1] for d in logits.values())
    delta = max(start, np.floor(lo * 100) / 100)
    blocked = None
    while True:
        for name, (_, boxes, side, _) in trunk.items():
            keep, st = margins.analyse(boxes, 1 / (1 + np.exp(-(logits[name] + delta))), side,
                                       slack=1.5)
            if keep is None or len(keep) < MIN_FACES:
                break
        else:
            return delta
        if st["candidates"] > margins.MAX_CANDIDATES:  # a larger offset only adds candidates
            print("retinaface: no offset for this class-head draw (up to %.2f; before that "
                  "%s: %s)" % (delta, blocked[0], blocked[1]) if blocked else "")
            return None
        blocked = (name, st.get("why", "%d faces" % st.get("faces", 0)))
        delta = round(delta + 0.01, 2)


def draw_class_heads(model, seed):
    """Fresh class-head weights as randomize.py draws convs: N(0, 1/fan_in), biases N(0, 0.1)."""
    g = torch.Generator().manual_seed(seed)
    for h in model.ClassHead:
        w = h.conv1x1.weight
        w.copy_(torch.randn(w.shape, generator=g) / math.sqrt(w[0].numel()))
        h.conv1x1.bias.copy_(torch.randn(h.conv1x1.bias.shape, generator=g) * 0.1)


def calibrate_faces(model, cfg, imgs):
    """Sets the class heads so that the reference keeps a controlled number of faces on every
    image, each of its decisions clear of what float error within the check's bounds could flip.
    The face logit's bias is offset (one offset for all heads). A near-tie that an offset cannot
    separate (two overlapping priors with close logits keep them close at every offset) needs
    other class-head weights: draws 1, 2, ... replace them, the trunk staying as it is.
    Returns (draw, offset, {name: (loc, conf, landms, dets, margin stats)})."""
    trunk = trunk_outputs(model, cfg, imgs)
    for draw in range(CLASS_DRAWS):
        if draw:
            draw_class_heads(model, 1000 + draw)
        bias = [h.conv1x1.bias.clone() for h in model.ClassHead]
        delta = -100.0
        while True:
            delta = search_offset(model, trunk, delta)
            if delta is None:
                break
            for h, b in zip(model.ClassHead, bias):
                h.conv1x1.bias.copy_(b)
                h.conv1x1.bias[1::2] += delta
            # the reference itself: upstream's forward and post-processing, checked again with
            # the offset in the bias (margins at slack 1, on the float32 scores and boxes)
            res, ok = {}, True
            for name, im in imgs.items():
                loc, conf, landms, dets = detect.detect(model, im, cfg)
                _, boxes, side, _ = trunk[name]
                keep, st = margins.analyse(boxes, conf[:, 1], side)
                f = final(dets)
                ok = ok and keep is not None and len(keep) >= MIN_FACES and len(keep) == len(f) \
                    and np.array_equal(f[:, 4], conf[keep, 1]) \
                    and np.array_equal(f[:, :4], boxes[keep])
                res[name] = (loc, conf, landms, dets, st)
            if ok:
                return draw, delta, res
            delta = round(delta + 0.01, 2)
    raise SystemExit("retinaface: no class-head draw of %d gives >= %d faces with margins on "
                     "every image" % (CLASS_DRAWS, MIN_FACES))


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
              preprocess_batch([imgs["multi"], imgs["border"], imgs["rocket"]]), bn_shift=BN_SHIFT)
    # Trained heads regress O(0.1) offsets; the randomized ones give O(1), which multiplies
    # every float32 rounding of the trunk by the prior's size (up to 512 px): scale them down.
    for h in list(model.BboxHead) + list(model.LandmarkHead):
        h.conv1x1.weight.mul_(0.1)
        h.conv1x1.bias.mul_(0.1)
    draw, delta, res = calibrate_faces(model, cfg, imgs)
    ckpt = os.path.join(out, "retinaface_random.pth")
    torch.save(model.state_dict(), ckpt, _use_new_zipfile_serialization=False)
    manifest = []
    for name, (loc, conf, landms, dets, st) in res.items():
        cv2.imwrite(os.path.join(out, name + ".png"), imgs[name])
        for tag, a in (("loc", loc), ("conf", conf), ("landms", landms)):
            np.asarray(a, dtype="<f4").tofile(os.path.join(out, "%s.%s.f32" % (name, tag)))
        f = final(dets)
        with open(os.path.join(out, name + ".dets.json"), "w") as fh:
            json.dump([[float(v) for v in row] for row in f], fh)
        manifest.append("%s\t%dx%d\t%d priors\t%d candidates > 0.02\t%d kept by NMS\t"
                        "%d candidates >= 0.6\t%d faces >= 0.6\tmargins: threshold %.1e, "
                        "overlap gap %.1e, face gap %.1e, IoU %.3gx" % (
                            name, imgs[name].shape[1], imgs[name].shape[0], loc.shape[0],
                            int((conf[:, 1] > 0.02).sum()), len(dets), st["candidates"], len(f),
                            st["threshold_margin"], st["overlap_gap"], st["face_gap"],
                            min(st["iou_margin_ratio"], 1e6)))
    with open(os.path.join(out, "manifest.tsv"), "w") as fh:
        fh.write("# class-head draw %d, face-logit offset %.2f\n" % (draw, delta) +
                 "\n".join(manifest) + "\n")
    print("retinaface (%s): class-head draw %d, face-logit offset %.2f" % (variant, draw, delta))
    print("\n".join("  " + m for m in manifest))


if __name__ == "__main__":
    main()
