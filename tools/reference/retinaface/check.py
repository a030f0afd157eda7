#!/usr/bin/python3
"""emoc's RetinaFace against the upstream detect.py replica (generate.py's OUT): for each test
image and each ISA given, `emoc detect --format jsonl --dump-raw DIR` must give raw outputs
(loc, conf, landms) within 1e-4·max(1, max|ref|) and the same faces, in the same order, with boxes
and landmarks within 1e-3 px and scores within 1e-5. A reference with fewer than MIN_FACES faces
on an image fails too (a check where nothing survives proves nothing).
EMOC_RETINAFACE_IMAGES (space- or comma-separated) restricts the check to those images.
Usage: check.py EMOC_BIN EMW REF_DIR WORK_DIR ISA... ; exit 0 when every check passed."""
import json
import os
import subprocess
import sys

import numpy as np

MIN_FACES = 10


def main():
    emoc, emw, ref, work, isas = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    names = [l.split("\t")[0] for l in open(os.path.join(ref, "manifest.tsv")) if not l.startswith("#")]
    only = os.environ.get("EMOC_RETINAFACE_IMAGES", "").replace(",", " ").split()
    unknown = [n for n in only if n not in names]
    if unknown:
        print("retinaface: FAIL: EMOC_RETINAFACE_IMAGES names %s, not in the manifest (%s)"
              % (" ".join(unknown), " ".join(names)))
        return 1
    names = only or names
    bad = 0
    if not isas:
        print("retinaface: FAIL: no ISA to check")
        return 1
    for name in names:
        n = len(json.load(open(os.path.join(ref, name + ".dets.json"))))
        if n < MIN_FACES:
            print("retinaface %s: FAIL: the reference keeps %d faces (< %d)" % (name, n, MIN_FACES))
            bad += 1
    for isa in isas:
        for name in names:
            d = os.path.join(work, isa, name)
            os.makedirs(d, exist_ok=True)
            img = os.path.join(ref, name + ".png")
            env = dict(os.environ, EMOC_ISA=isa)
            p = subprocess.run([emoc, "detect", "-m", emw, "--format", "jsonl", "--dump-raw", d, img],
                               capture_output=True, text=True, env=env)
            why = []
            if p.returncode != 0:
                why.append("exit %d: %s" % (p.returncode, p.stderr.strip()[:300]))
            else:
                worst = []
                for tag, cols in (("loc", 4), ("conf", 2), ("landms", 10)):
                    r = np.fromfile(os.path.join(ref, "%s.%s.f32" % (name, tag)), dtype="<f4")
                    path = os.path.join(d, "%s.%s.f32" % (os.path.basename(img), tag))
                    e = np.fromfile(path, dtype="<f4") if os.path.exists(path) else np.zeros(0, "<f4")
                    if e.shape != r.shape:
                        why.append("%s: %d values, reference %d" % (tag, e.size, r.size))
                        continue
                    err = float(np.abs(e - r).max(initial=0))
                    tol = 1e-4 * max(1.0, float(np.abs(r).max(initial=0)))
                    worst.append("%s %.1e" % (tag, err))
                    if not err <= tol:
                        why.append("%s max |diff| %.3g > %.3g" % (tag, err, tol))
                rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
                faces = [r for r in rows if r.get("status") == "ok"]
                want = json.load(open(os.path.join(ref, name + ".dets.json")))
                if len(faces) != len(want):
                    why.append("%d faces, reference %d" % (len(faces), len(want)))
                else:
                    db = ds = dl = 0.0
                    for f, w in zip(faces, want):
                        db = max(db, max(abs(a - b) for a, b in zip(f["box"], w[0:4])))
                        ds = max(ds, abs(f["score"] - w[4]))
                        lm = [v for pt in f["landmarks"] for v in pt]
                        dl = max(dl, max(abs(a - b) for a, b in zip(lm, w[5:15])))
                    if db > 1e-3 or dl > 1e-3 or ds > 1e-5:
                        why.append("box %.2g px, landmarks %.2g px, score %.2g" % (db, dl, ds))
                    worst.append("%d faces: box %.1e lm %.1e score %.1e" % (len(faces), db, dl, ds))
            status = "ok" if not why else "FAIL: " + "; ".join(why)
            if why:
                bad += 1
            print("retinaface %-7s %-7s %s  %s" % (isa, name, "  ".join(worst) if not p.returncode else "", status))
    print("retinaface: %d checks failed" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
