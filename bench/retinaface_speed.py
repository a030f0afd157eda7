"""RetinaFace speed, 1 thread, one frame: emoc vs ONNX Runtime (bench/peers, npm
onnxruntime-node) on an ONNX export of the replica, and PyTorch, side by side in one run.

usage: retinaface_speed.py EMOC_BIN RETINAFACE.pth RETINAFACE.emw FRAME.png
(e.g. after `make conformance`: tools/reference/out/retinaface/{retinaface_random.pth,
retinaface.emw,multi.png}; `cd bench/peers && npm install --ignore-scripts` first).
emoc per frame = (median time of `emoc detect --raw` on 41 copies of the frame − on 1 copy) / 40
(network and detect.py's post-processing; process start and loading cancel out). ORT and
PyTorch: the network alone, medians of in-process runs after a warm-up. Rounds interleave the
three to share the machine's noise; medians over rounds."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "reference", "retinaface"))
import detect  # noqa: E402
import nets  # noqa: E402

COPIES, ROUNDS = 41, 7


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    emoc, pth, emw, frame = sys.argv[1:5]
    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    model = nets.RetinaFace()
    model.load_state_dict(torch.load(pth))
    model.eval()
    img = cv2.imread(frame)
    h, w = img.shape[:2]
    x = detect.preprocess(img)
    with tempfile.TemporaryDirectory() as tmp:
        onnx = os.path.join(tmp, "retinaface.onnx")
        torch.onnx.export(model, x, onnx, opset_version=11, do_constant_folding=True,
                          input_names=["input"], output_names=["loc", "conf", "landms"])
        x.numpy().astype("<f4").tofile(os.path.join(tmp, "in.f32"))
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).tobytes()
        one, many = os.path.join(tmp, "1.rgb"), os.path.join(tmp, "n.rgb")
        open(one, "wb").write(rgb)
        open(many, "wb").write(rgb * COPIES)
        base = [emoc, "detect", "-q", "-m", emw, "--raw", "%dx%d" % (w, h)]
        ort = ["node", os.path.join(HERE, "peers", "ort_frame.js"), onnx,
               os.path.join(tmp, "in.f32"), str(h), str(w), "40", "5"]
        em, on, pt = [], [], []
        for r in range(ROUNDS):
            em.append((timed(base + [many]) - timed(base + [one])) / (COPIES - 1) * 1e3)
            on.append(json.loads(subprocess.run(ort, check=True, capture_output=True, text=True,
                                                cwd=os.path.join(HERE, "peers")).stdout)["median_ms"])
            model(x)
            ts = []
            for _ in range(10):
                t = time.perf_counter()
                model(x)
                ts.append(time.perf_counter() - t)
            pt.append(statistics.median(ts) * 1e3)
            print("round %d: emoc %.2f ms/frame, ORT %.2f ms, PyTorch %.2f ms" % (
                r, em[-1], on[-1], pt[-1]), flush=True)
    e, o, p = statistics.median(em), statistics.median(on), statistics.median(pt)
    print("medians (%dx%d, 1 thread): emoc detect %.2f ms/frame (network + post-processing), "
          "ONNX Runtime %.2f ms, PyTorch %.2f ms (network alone); emoc / ORT %.2f" % (
              w, h, e, o, p, e / o))


if __name__ == "__main__":
    main()
