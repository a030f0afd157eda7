#!/usr/bin/env python3
"""BlazeFace conformance on the real MediaPipe weights (docs/blazeface.md §7).

The reference is the TFLite runtime itself (tflite_run.js: TFLite + XNNPACK as WebAssembly in
Node) fed by MediaPipe's pre-processing written with OpenCV (getPerspectiveTransform +
warpPerspective INTER_LINEAR into uint8, then x*2/255-1), and MediaPipe's decoding, weighted NMS
and projection written here in NumPy from the calculators' sources. emoc is driven through
blaze_run (tools/reference/blazeface/blaze_run.c). Checks, per model and test image:
  raw      emoc's network on the OpenCV tensor vs TFLite, at every ISA:
           |emoc - tflite| <= 1e-4 * (1 + max |tflite| of that anchor's row)
  decode   emoc's decoding of TFLite's raw outputs vs this script's: <= 0.01 px, score 1e-5
  e2e      emoc from the image file (blaze_run and `emoc detect`) vs the reference pipeline:
           same faces, <= 0.5 px, 1e-3 in score
Also counts the uint8 tensor values where emoc's warp differs from OpenCV's, prints how many
faces each model finds on the small-faces composite (short range vs full range), and checks
that `emoc convert` refuses a copy of each file whose MAX_POOL_2D or DEPTH_TO_SPACE op code is
changed to a real TFLite builtin the converter does not support, naming the op.
EMOC_BLAZE_IMAGES (space- or comma-separated test image names) restricts the checks to those
images (the small-faces comparison runs only when 'small' is among them).
Usage: conformance.py EMOC_BIN BLAZE_RUN WORKDIR [ISA ...]
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MP = os.path.join(HERE, 'node_modules', '@mediapipe', 'face_detection')
DATA = os.environ.get('EMOC_DATA') or os.path.normpath(os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data'))
if not os.path.exists(os.path.join(DATA, 'astronaut.png')):
    DATA = '/work/shared/data'
MODELS = [('short', 'face_detection_short_range.tflite', 128, 0.5),
          ('full_sparse', 'face_detection_full_range_sparse.tflite', 192, 0.6),
          ('full', 'face_detection_full_range.tflite', 192, 0.6)]
# The small-faces composite: 8 head-and-shoulders crops 76..174 px wide (faces ~45..110 px) in
# one 640x480 frame; the short-range model (made for faces near the camera) finds only the
# largest, the full-range ones nearly all.
SMALL_FACES = [(20, 20, 76), (130, 20, 90), (260, 20, 104), (400, 20, 118),
               (10, 250, 132), (150, 250, 146), (305, 250, 160), (465, 250, 174)]


# ---- test images ---------------------------------------------------------------------------

def load_rgb(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)  # libpng may warn about ICC profiles: harmless
    if img is None:
        raise SystemExit('cannot read ' + path)
    if img.ndim == 2:
        return np.repeat(img[:, :, None], 3, axis=2)
    return cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2RGB)


def composites(work):
    """Writes the composite test images as PNG; returns {name: path}."""
    astro = load_rgb(os.path.join(DATA, 'astronaut.png'))
    face = astro[20:200, 140:310]                      # head and shoulders, 170x180
    out = {}

    def put(canvas, img, x, y, w):
        h = int(round(img.shape[0] * w / img.shape[1]))
        r = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, canvas.shape[1]), min(y + h, canvas.shape[0])
        canvas[y0:y1, x0:x1] = r[y0 - y:y1 - y, x0 - x:x1 - x]

    c = np.full((480, 640, 3), 120, np.uint8)           # several sizes in one frame
    put(c, face, 20, 40, 220)
    put(c, face, 300, 60, 130)
    put(c, face, 470, 250, 90)
    out['sizes'] = c
    c = np.full((480, 640, 3), 90, np.uint8)            # faces cut by the border
    put(c, face, -70, 100, 200)
    put(c, face, 520, -60, 200)
    out['border'] = c
    c = np.full((240, 720, 3), 60, np.uint8)            # wide: letterbox top/bottom
    put(c, face, 300, 20, 190)
    out['wide'] = c
    c = np.full((700, 260, 3), 200, np.uint8)           # tall: letterbox left/right
    put(c, face, 40, 300, 180)
    out['tall'] = c
    c = np.full((480, 640, 3), 128, np.uint8)           # small faces: full range finds more
    for x, y, w in SMALL_FACES:
        put(c, face, x, y, w)
    out['small'] = c
    grey = cv2.cvtColor(astro, cv2.COLOR_RGB2GRAY)       # grey (1-channel PNG)
    paths = {}
    for k, v in out.items():
        p = os.path.join(work, 'comp_%s.png' % k)
        cv2.imwrite(p, cv2.cvtColor(v, cv2.COLOR_RGB2BGR))
        paths[k] = p
    p = os.path.join(work, 'comp_grey.png')
    cv2.imwrite(p, grey)
    paths['grey'] = p
    for name in ('astronaut.png', 'face.png', 'face_q90.jpg', 'face_gray.png', 'rocket.jpg'):
        paths[name.split('.')[0]] = os.path.join(DATA, name)
    return paths


# ---- an unsupported op: one operator code of a real file changed ---------------------------

def _u32(b, p):
    return int.from_bytes(b[p:p + 4], 'little')


def _field(b, table, i):
    """Byte position of field i of the flatbuffer table at `table`, or None when absent."""
    vt = table - int.from_bytes(b[table:table + 4], 'little', signed=True)
    vsize = int.from_bytes(b[vt:vt + 2], 'little')
    if 4 + 2 * i + 2 > vsize:
        return None
    off = int.from_bytes(b[vt + 4 + 2 * i:vt + 6 + 2 * i], 'little')
    return table + off if off else None


def swap_op_code(data, old, new):
    """Copy of a .tflite whose OperatorCode `old` becomes `new` (schema: Model.operator_codes is
    field 1; OperatorCode.deprecated_builtin_code field 0 (int8), builtin_code field 3 (int32))."""
    b = bytearray(data)
    model = _u32(b, 0)
    vec_ref = _field(b, model, 1)
    vec = vec_ref + _u32(b, vec_ref)
    for k in range(_u32(b, vec)):
        slot = vec + 4 + 4 * k
        oc = slot + _u32(b, slot)
        dep, code = _field(b, oc, 0), _field(b, oc, 3)
        cur = max(b[dep] if dep else 0, _u32(b, code) if code else 0)
        if cur == old:
            if dep:
                b[dep] = new if new < 127 else 127
            if code:
                b[code:code + 4] = new.to_bytes(4, 'little')
            return bytes(b)
    raise SystemExit('op code %d not in the file' % old)


def check_bench(emoc, emw, image, faces):
    """`emoc bench` on a detector: every stage timed, one traced entry per op of the network with
    its FLOPs, the same face count as detection."""
    j = json.loads(run([emoc, 'bench', '-m', emw, '--image', image, '--runs', '3', '--warmup', '1',
                        '--per-op', '--json']))
    stages = all(j.get(k + '_ms', -1) >= 0 for k in ('warp', 'net', 'decode', 'nms', 'project', 'total'))
    ops = j.get('ops', [])
    convs = [o for o in ops if o['type'] in ('conv2d', 'dwconv', 'pwconv')]
    ok = (stages and j['faces'] == faces and j['net_ms'] > 0 and len(ops) > 0 and
          all(o['median_ns'] > 0 for o in ops) and len(convs) > 0 and all(o['flops'] > 0 for o in convs))
    print('emoc bench --per-op %s: %d ops, %d faces, net %.3f ms [%s]' % (
        os.path.basename(emw), len(ops), j.get('faces', -1), j.get('net_ms', -1), 'ok' if ok else 'FAIL'))
    return ok


def check_unsupported_op(emoc, model, work, old, new, new_name):
    """emoc convert must refuse the patched file with a message naming the op."""
    with open(model, 'rb') as f:
        patched = swap_op_code(f.read(), old, new)
    bad = os.path.join(work, 'unsupported_%d_%s' % (new, os.path.basename(model)))
    with open(bad, 'wb') as f:
        f.write(patched)
    p = subprocess.run([emoc, 'convert', bad, '-o', bad + '.emw'], capture_output=True, text=True)
    want = 'op code %d (%s) is not supported by the BlazeFace converter' % (new, new_name)
    ok = p.returncode != 0 and want in p.stderr and not os.path.exists(bad + '.emw')
    print('unsupported op %-40s exit %d  %s [%s]' % (os.path.basename(model) + ' ' + new_name,
          p.returncode, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else '(no message)',
          'ok' if ok else 'FAIL'))
    return ok


# ---- MediaPipe's CPU graph, from the calculators ------------------------------------------

def mp_warp(rgb, S):
    """image_to_tensor (OpenCV converter), keep aspect ratio, zero border → uint8 S×S×3."""
    H, W = rgb.shape[:2]
    side = np.float32(max(W, H))
    cx, cy = np.float32(W) / 2, np.float32(H) / 2
    x0, y0, x1, y1 = cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2
    src = np.array([[x0, y1], [x0, y0], [x1, y0], [x1, y1]], np.float32)    # cv::boxPoints order
    dst = np.array([[0, S], [0, 0], [S, 0], [S, S]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(rgb, m, (S, S), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def mp_anchors(S):
    if S == 128:
        maps = [(16, 2), (8, 6)]
    else:
        maps = [(48, 1)]
    a = []
    for fm, k in maps:
        for y in range(fm):
            for x in range(fm):
                for _ in range(k):
                    a.append(((np.float32(x) + np.float32(0.5)) / np.float32(fm),
                              (np.float32(y) + np.float32(0.5)) / np.float32(fm)))
    return np.array(a, np.float32)


def mp_decode(reg, cls, S, min_score):
    f = np.float32
    anchors = mp_anchors(S)
    sc = np.clip(cls[:, 0].astype(f), f(-100), f(100))
    with np.errstate(over='ignore'):
        score = (f(1) / (f(1) + np.exp(-sc))).astype(f)
    dets = []
    for i in np.nonzero(score >= f(min_score))[0]:
        r = reg[i].astype(f)
        ax, ay = anchors[i]
        xc, yc = r[0] / f(S) + ax, r[1] / f(S) + ay
        w, h = r[2] / f(S), r[3] / f(S)
        xmin, ymin, xmax, ymax = xc - w / f(2), yc - h / f(2), xc + w / f(2), yc + h / f(2)
        if not (xmax - xmin >= 0 and ymax - ymin >= 0):
            continue
        kp = [(r[4 + 2 * k] / f(S) + ax, r[5 + 2 * k] / f(S) + ay) for k in range(6)]
        dets.append({'box': [xmin, ymin, xmax - xmin, ymax - ymin], 'kp': kp, 'score': score[i]})
    return dets


def iou(a, b):
    ix0, iy0 = max(a[0], b[0]), max(a[1], b[1])
    ix1, iy1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if ix1 < ix0 or iy1 < iy0:
        return 0.0
    inter = (ix1 - ix0) * (iy1 - iy0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def mp_weighted_nms(dets, thr=0.3):
    remain = sorted(range(len(dets)), key=lambda i: -dets[i]['score'])
    out = []
    while remain:
        top = dets[remain[0]]
        cand = [i for i in remain if iou(dets[i]['box'], top['box']) > thr]
        rest = [i for i in remain if iou(dets[i]['box'], top['box']) <= thr]
        tot = sum(dets[i]['score'] for i in cand)
        b = [sum(dets[i]['box'][0] * dets[i]['score'] for i in cand) / tot,
             sum(dets[i]['box'][1] * dets[i]['score'] for i in cand) / tot,
             sum((dets[i]['box'][0] + dets[i]['box'][2]) * dets[i]['score'] for i in cand) / tot,
             sum((dets[i]['box'][1] + dets[i]['box'][3]) * dets[i]['score'] for i in cand) / tot]
        kp = [(sum(dets[i]['kp'][k][0] * dets[i]['score'] for i in cand) / tot,
               sum(dets[i]['kp'][k][1] * dets[i]['score'] for i in cand) / tot) for k in range(6)]
        out.append({'box': [b[0], b[1], b[2] - b[0], b[3] - b[1]], 'kp': kp, 'score': top['score']})
        if len(rest) == len(remain):
            break
        remain = rest
    return out


def mp_project(d, W, H):
    side = max(W, H)
    sx, tx = side / W, (W / 2 - side / 2) / W
    sy, ty = side / H, (H / 2 - side / 2) / H
    x0, y0, w, h = d['box']
    row = [d['score'], (x0 * sx + tx) * W, (y0 * sy + ty) * H, ((x0 + w) * sx + tx) * W,
           ((y0 + h) * sy + ty) * H]
    for kx, ky in d['kp']:
        row += [(kx * sx + tx) * W, (ky * sy + ty) * H]
    return np.array(row, np.float64)


# ---- drivers -------------------------------------------------------------------------------

def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError('%s failed: %s' % (' '.join(cmd), p.stderr.strip()))
    return p.stdout


def tflite(model, x, work, tag):
    inp = os.path.join(work, tag + '.in.f32')
    x.astype(np.float32).tofile(inp)
    run(['node', os.path.join(HERE, 'tflite_run.js'), model, inp, os.path.join(work, tag)])
    a = np.fromfile(os.path.join(work, tag + '.0.f32'), np.float32)
    b = np.fromfile(os.path.join(work, tag + '.1.f32'), np.float32)
    reg, cls = (a, b) if a.size > b.size else (b, a)
    return reg.reshape(-1, 16), cls.reshape(-1, 1), inp


def parse_faces(text):
    lines = text.strip().splitlines()
    n = int(lines[0].split()[1])
    return np.array([[float(v) for v in l.split()] for l in lines[1:1 + n]], np.float64).reshape(n, 17)


def match(ref, got, px, sc):
    """Max coordinate and score differences of two face lists in order; None if counts differ."""
    if ref.shape != got.shape:
        return None
    if ref.size == 0:
        return 0.0, 0.0
    return float(np.abs(ref[:, 1:] - got[:, 1:]).max()), float(np.abs(ref[:, 0] - got[:, 0]).max())


def main():
    emoc, blaze_run, work = sys.argv[1:4]
    isas = sys.argv[4:] or ['ref']
    os.makedirs(work, exist_ok=True)
    images = composites(work)
    only = os.environ.get('EMOC_BLAZE_IMAGES', '').replace(',', ' ').split()
    unknown = [n for n in only if n not in images]
    if unknown:
        print('blazeface: EMOC_BLAZE_IMAGES names %s, not a test image (%s) [FAIL]' % (
            ' '.join(unknown), ' '.join(sorted(images))))
        return 1
    if only:
        images = {k: v for k, v in images.items() if k in only}
    fails = 0
    warp_stats = {}
    small = {}
    for name, fname, S, min_score in MODELS:
        model = os.path.join(MP, fname)
        emw = os.path.join(work, 'blazeface_%s.emw' % name)
        run([emoc, 'convert', model, '-o', emw])
        for img_name, path in sorted(images.items()):
            rgb = load_rgb(path)
            H, W = rgb.shape[:2]
            u8 = mp_warp(rgb, S)
            x = (u8.astype(np.float32) * np.float32(2.0 / 255.0) + np.float32(-1.0))[None]
            tag = '%s_%s' % (name, img_name)
            reg, cls, inp = tflite(model, x, work, tag)
            # raw outputs at every ISA
            worst = 0.0
            for isa in isas:
                env = dict(os.environ, EMOC_ISA=isa)
                out = os.path.join(work, tag + '.emoc.' + isa + '.f32')
                run([blaze_run, 'raw', emw, inp, out], env)
                e = np.fromfile(out, np.float32)
                n = reg.shape[0]
                er, ec = e[:n * 16].reshape(n, 16), e[n * 16:].reshape(n, 1)
                for a, b in ((er, reg), (ec, cls)):
                    tol = 1e-4 * (1 + np.abs(b).max(axis=1, keepdims=True))
                    worst = max(worst, float((np.abs(a.astype(np.float64) - b) / tol).max()))
            # decoding of TFLite's raw outputs
            raw = os.path.join(work, tag + '.tfl_raw.f32')
            np.concatenate([reg.ravel(), cls.ravel()]).astype(np.float32).tofile(raw)
            ref_faces = [mp_project(d, W, H) for d in mp_weighted_nms(mp_decode(reg, cls, S, min_score))]
            ref = np.array(ref_faces, np.float64).reshape(len(ref_faces), 17)
            dec = match(ref, parse_faces(run([blaze_run, 'decode', emw, raw, str(W), str(H)])), 0, 0)
            # end to end from the image file (emoc's own warp), and the warp itself
            wpath = os.path.join(work, tag + '.warp.u8')
            e2e = match(ref, parse_faces(run([blaze_run, 'detect', emw, path, wpath])), 0, 0)
            # the CLI (`emoc detect`, detector registry) gives the same faces
            rows = [json.loads(l) for l in run([emoc, 'detect', '-m', emw, '--format', 'jsonl', path]).splitlines()]
            cli = np.array([[r['score']] + r['box'] + [v for p in r['landmarks'] for v in p]
                            for r in rows if r['status'] == 'ok'], np.float64).reshape(-1, 17)
            cli_ok = all(r['status'] in ('ok', 'no_face') for r in rows)
            e2e_cli = match(ref, cli, 0, 0) if cli_ok else None
            if e2e is not None and (e2e_cli is None or e2e_cli[0] > 0.5 or e2e_cli[1] > 1e-3):
                e2e = None
            ew = np.fromfile(wpath, np.uint8).reshape(S, S, 3)
            diff = np.abs(ew.astype(int) - u8.astype(int))
            warp_stats[(S, img_name)] = (int((diff > 0).sum()), int(diff.max()), u8.size)
            ok_raw = worst <= 1.0
            ok_dec = dec is not None and dec[0] <= 0.01 and dec[1] <= 1e-5
            ok_e2e = e2e is not None and e2e[0] <= 0.5 and e2e[1] <= 1e-3
            fails += (not ok_raw) + (not ok_dec) + (not ok_e2e)
            if img_name == 'sizes':
                fails += not check_bench(emoc, emw, path, ref.shape[0])
            if img_name == 'small':
                small[name] = (ref.shape[0], cli.shape[0], ref[:, 3] - ref[:, 1] if ref.size else [])
            print('%-12s %-11s faces %d  raw err/tol %.3f [%s]  decode %s [%s]  e2e %s [%s]' % (
                name, img_name, ref.shape[0], worst, 'ok' if ok_raw else 'FAIL',
                'count differs' if dec is None else '%.2g px %.2g' % dec, 'ok' if ok_dec else 'FAIL',
                'count differs' if e2e is None else '%.2g px %.2g' % e2e, 'ok' if ok_e2e else 'FAIL'))
            if e2e is None:
                print('    e2e reference %s\n    emoc detect %s' % (ref.tolist(), cli.tolist()))
    print('warp: uint8 tensor values differing from OpenCV warpPerspective (count / max level / total)')
    for (S, img_name), (n, mx, tot) in sorted(warp_stats.items()):
        print('  %d %-11s %6d / %d / %d' % (S, img_name, n, mx, tot))
    print('small-faces composite (%d faces, crops %d..%d px wide, 640x480): faces found '
          '(TFLite reference / emoc detect), face box widths' % (
              len(SMALL_FACES), SMALL_FACES[0][2], SMALL_FACES[-1][2]))
    for name, (nref, nemoc, widths) in small.items():
        print('  %-12s %d / %d  widths %s' % (name, nref, nemoc, ' '.join('%.0f' % w for w in sorted(widths))))
    if not small:
        print('  (not in EMOC_BLAZE_IMAGES)')
    elif not (small['short'][0] < small['full_sparse'][0]):
        print('small-faces composite: the full-range model should find more faces than the short-range one [FAIL]')
        fails += 1
    # AVERAGE_POOL_2D (1) for MAX_POOL_2D (17) in the short-range file; SPACE_TO_DEPTH (26) for
    # DEPTH_TO_SPACE (5) in the sparse full-range one: real builtins, same option tables.
    for fname, old, new, new_name in (('face_detection_short_range.tflite', 17, 1, 'AVERAGE_POOL_2D'),
                                      ('face_detection_full_range_sparse.tflite', 5, 26, 'SPACE_TO_DEPTH')):
        fails += not check_unsupported_op(emoc, os.path.join(MP, fname), work, old, new, new_name)
    print('blazeface conformance: %s (%d checks failed; ISAs %s)' % ('PASS' if not fails else 'FAIL', fails, ' '.join(isas)))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
