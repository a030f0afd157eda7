"""Compares emoc with the MTCNN reference (generate.py output).

  compare.py faces REF.json EMOC.jsonl   final faces: same count and order, boxes and landmarks
                                         within 1e-3 px, scores within 1e-5
  compare.py net REF.out.f32 EMOC.out.f32  raw sub-network outputs:
                                         max |emoc - torch| <= 1e-4 * max(1, max|torch|)
Exit 0 when within tolerance; prints one line either way."""
import json
import sys

import numpy as np

BOX_TOL, SCORE_TOL, NET_TOL = 1e-3, 1e-5, 1e-4


def faces(ref_path, emoc_path):
    ref = json.load(open(ref_path))
    rows = [json.loads(l) for l in open(emoc_path) if l.strip()]
    ok_rows = [r for r in rows if r["status"] == "ok"]
    n_ref = len(ref["boxes"])
    if n_ref == 0:
        good = len(rows) == 1 and rows[0]["status"] == "no_face"
        print(f"{'PASS' if good else 'FAIL'} faces: reference none, emoc {len(ok_rows)} "
              f"({rows[0]['status'] if rows else 'no row'})")
        return good
    if len(ok_rows) != n_ref:
        print(f"FAIL faces: reference {n_ref}, emoc {len(ok_rows)}")
        return False
    eb = np.array([r["box"] for r in ok_rows], np.float64)
    es = np.array([r["score"] for r in ok_rows], np.float64)
    el = np.array([r["landmarks"] for r in ok_rows], np.float64)
    rb, rs, rl = (np.array(ref[k], np.float64) for k in ("boxes", "probs", "points"))
    db, ds, dl = np.abs(eb - rb).max(), np.abs(es - rs).max(), np.abs(el - rl).max()
    good = db <= BOX_TOL and dl <= BOX_TOL and ds <= SCORE_TOL
    print(f"{'PASS' if good else 'FAIL'} faces: {n_ref} faces, max |d box| {db:.3g} px, "
          f"|d landmark| {dl:.3g} px, |d score| {ds:.3g}")
    return good


def net(ref_path, emoc_path):
    r = np.fromfile(ref_path, "<f4").astype(np.float64)
    e = np.fromfile(emoc_path, "<f4").astype(np.float64)
    if r.shape != e.shape:
        print(f"FAIL net: {r.size} reference values, emoc {e.size}")
        return False
    d = np.abs(r - e).max() if r.size else 0.0
    lim = NET_TOL * max(1.0, np.abs(r).max() if r.size else 0.0)
    good = bool(d <= lim) and np.isfinite(e).all()
    print(f"{'PASS' if good else 'FAIL'} net: {r.size} values, max |d| {d:.3g} (limit {lim:.3g})")
    return good


if __name__ == "__main__":
    fn = {"faces": faces, "net": net}[sys.argv[1]]
    sys.exit(0 if fn(sys.argv[2], sys.argv[3]) else 1)
