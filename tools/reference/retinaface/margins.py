"""Decision margins of detect.py's post-processing, for the random-weight conformance data.

emoc's RetinaFace passes when its faces equal the reference's within check.py's bounds (scores
within SCORE_TOL, boxes within PX_TOL px). That comparison only means something if no output
within those bounds could change a decision the post-processing takes: which priors reach the
report threshold, which faces py_cpu_nms keeps, and their order. `analyse` finds the faces kept
and checks every such decision against the largest change an output within the bounds could make:

- every prior's score is more than SCORE_TOL from the report threshold VIS;
- for every pair of candidates (score >= VIS), their IoU (py_cpu_nms's, areas with +1) is farther
  from NMS than the most that moving each box coordinate by its bound could change it: PX_TOL,
  or less for a small prior, whose coordinates a raw `loc` within RAW_TOL moves by at most
  RAW_TOL·0.1·(prior side + box side) px (detect.py's decode, variances 0.1 and 0.2);
- every pair whose IoU exceeds NMS has scores more than 2·SCORE_TOL apart (otherwise the other
  one could come first and suppress it), and so has every pair of kept faces (their order).
Candidates below VIS never matter: py_cpu_nms visits scores in descending order, so a lower score
never suppresses a higher one, and the faces reported (>= VIS) are those NMS keeps among the
candidates >= VIS.
"""
import numpy as np

SCORE_TOL = 1e-5
PX_TOL = 1e-3
RAW_TOL = 1e-4      # raw outputs: 1e-4·max(1, max|ref|), and |loc| < 1 here
MAX_CANDIDATES = 400
NMS = 0.4
VIS = 0.6


def coord_bound(boxes, prior_side):
    """How far each box's coordinates can move with outputs within the check's bounds (px)."""
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    return np.minimum(PX_TOL, RAW_TOL * 0.1 * (np.asarray(prior_side, np.float64) + side))


def iou(boxes, err):
    """py_cpu_nms's overlap of every pair, and a bound on how much it can move when each box's
    four coordinates move by at most err[box] px (first order, with 25% to spare)."""
    x1, y1, x2, y2 = boxes.T
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    iw = np.maximum(0.0, np.minimum(x2[:, None], x2[None]) - np.maximum(x1[:, None], x1[None]) + 1)
    ih = np.maximum(0.0, np.minimum(y2[:, None], y2[None]) - np.maximum(y1[:, None], y1[None]) + 1)
    inter = iw * ih
    union = area[:, None] + area[None] - inter
    ov = inter / union
    e = np.maximum(err[:, None], err[None])
    d_inter = 2 * e * (iw + ih) * (inter > 0)   # each intersection edge moves by <= 2·e
    d_area = 2 * err * ((x2 - x1 + 1) + (y2 - y1 + 1))
    bound = 1.25 * (d_inter * (1 + ov) + ov * (d_area[:, None] + d_area[None])) / union
    return ov, bound


def analyse(boxes, scores, prior_side, slack=1.0, max_candidates=MAX_CANDIDATES):
    """boxes [P,4], scores [P] (any float dtype; compared in float64), prior_side [P] (px, the
    prior's min_size). Returns (keep, stats):
    keep = indices of the faces upstream reports, in its order (descending score), or None when
    a decision lacks its margin (stats["why"] says which); `slack` multiplies every margin."""
    s = np.asarray(scores, dtype=np.float64)
    b = np.asarray(boxes, dtype=np.float64)
    cand = np.where(s >= VIS)[0]
    stats = {"candidates": int(cand.size),
             "threshold_margin": float(np.abs(s - VIS).min(initial=1.0))}
    if stats["threshold_margin"] <= slack * SCORE_TOL:
        stats["why"] = "a score within %.1g of %.1f" % (slack * SCORE_TOL, VIS)
        return None, stats
    if cand.size > max_candidates:
        stats["why"] = "%d candidates (more than %d)" % (cand.size, max_candidates)
        return None, stats
    cand = cand[np.argsort(-s[cand], kind="stable")]
    sc = s[cand]
    ov, bound = iou(b[cand], coord_bound(b[cand], np.asarray(prior_side)[cand]))
    np.fill_diagonal(ov, 0.0)
    np.fill_diagonal(bound, 0.0)
    gap = np.abs(sc[:, None] - sc[None])
    np.fill_diagonal(gap, np.inf)
    iou_ratio = np.abs(ov - NMS) / np.maximum(bound, 1e-300)
    stats["iou_margin_ratio"] = float(iou_ratio.min(initial=np.inf))
    if stats["iou_margin_ratio"] <= slack:
        stats["why"] = "an IoU within what the check's bounds could move of %.1f" % NMS
        return None, stats
    overlapping = ov > NMS
    stats["overlap_gap"] = float(gap[overlapping].min(initial=np.inf))
    if stats["overlap_gap"] <= 2 * slack * SCORE_TOL:
        stats["why"] = "two overlapping candidates' scores within %.1g" % (2 * slack * SCORE_TOL)
        return None, stats
    keep, suppressed = [], np.zeros(cand.size, bool)
    for i in range(cand.size):          # descending score, as py_cpu_nms visits them
        if not suppressed[i]:
            keep.append(i)
            suppressed |= overlapping[i]
    stats["faces"] = len(keep)
    stats["face_gap"] = float(np.diff(-sc[keep]).min(initial=np.inf))
    if stats["face_gap"] <= 2 * slack * SCORE_TOL:
        stats["why"] = "two faces' scores within %.1g" % (2 * slack * SCORE_TOL)
        return None, stats
    return cand[keep], stats
