"""RetinaFace speed, 1 thread, one 640x480 frame, side by side in one run:

  network   emoc (the `net` stage of `emoc bench -m RETINAFACE.emw --image FRAME`, in-process
            medians; its other stages too) vs ONNX Runtime session.run on an ONNX export of the
            replica (bench/peers/ort_frame.js) and the PyTorch replica;
  per frame emoc detect on a raw stream (bench/detect_frames.py: 41 copies minus 1, so start-up
            and loading cancel out; network + detect.py's post-processing) vs ONNX Runtime plus
            the reference's numpy/torch pre- and post-processing (tools/reference/retinaface/
            detect.py on the replica's outputs: the sum of the three medians).

usage: retinaface_speed.py EMOC_BIN RETINAFACE.pth RETINAFACE.emw FRAME
           [--size WxH] [--face-frame FILE --emotion EMOTION.emw [--mtcnn MTCNN.emw]]
(e.g. after `make conformance`: tools/reference/out/retinaface/{retinaface_random.pth,
retinaface.emw,multi.png}; `cd bench/peers && npm install --ignore-scripts` first). FRAME is
resized to --size (default 640x480) when it differs. With --face-frame (also resized) and
--emotion: `emoc detect` and `emoc predict --detect` per frame on it, RetinaFace and, with
--mtcnn, MTCNN. Rounds interleave every measurement; medians over rounds."""
import argparse
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

from detect_frames import ROUNDS, RawStream  # noqa: E402

PEERS = os.path.join(HERE, "peers")


def median_ms(fn, n):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


def read_frame(path, size):
    img = cv2.imread(path)
    if img is None:
        sys.exit("cannot read %s" % path)
    w, h = size
    return img if img.shape[:2] == (h, w) else cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def emoc_stages(emoc, emw, png):
    out = subprocess.run([emoc, "bench", "-m", emw, "--image", png, "--runs", "21", "--warmup",
                          "3", "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Reference:
    """The PyTorch replica, its ONNX export and detect.py's pre/post-processing on one frame."""

    def __init__(self, pth, img, tmp):
        self.model = nets.RetinaFace()
        self.model.load_state_dict(torch.load(pth, map_location="cpu"))
        self.model.eval()
        self.img = img
        self.h, self.w = img.shape[:2]
        self.x = detect.preprocess(img)
        self.onnx = os.path.join(tmp, "retinaface.onnx")
        torch.onnx.export(self.model, self.x, self.onnx, opset_version=11,
                          do_constant_folding=True, input_names=["input"],
                          output_names=["loc", "conf", "landms"])
        self.f32 = os.path.join(tmp, "in.f32")
        self.x.numpy().astype("<f4").tofile(self.f32)
        self.out = self.model(self.x)

    def ort_ms(self):
        cmd = ["node", os.path.join(PEERS, "ort_frame.js"), self.onnx, self.f32, str(self.h),
               str(self.w), "40", "5"]
        return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                         cwd=PEERS).stdout)["median_ms"]

    def torch_ms(self):
        return median_ms(lambda: self.model(self.x), 10)

    def pre_ms(self):
        return median_ms(lambda: detect.preprocess(self.img), 20)

    def post_ms(self):
        loc, conf, landms = self.out
        return median_ms(lambda: detect.postprocess(loc, conf, landms, self.h, self.w,
                                                    nets.CFG_MNET), 5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("emoc")
    ap.add_argument("pth")
    ap.add_argument("emw")
    ap.add_argument("frame")
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--face-frame")
    ap.add_argument("--emotion")
    ap.add_argument("--mtcnn")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    img = read_frame(a.frame, size)
    h, w = img.shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "frame.png")
        cv2.imwrite(png, img)
        ref = Reference(a.pth, img, tmp)
        s = RawStream(tmp, cv2.cvtColor(img, cv2.COLOR_BGR2RGB).tobytes(), w, h)
        face = None
        if a.face_frame and a.emotion:
            fimg = read_frame(a.face_frame, size)
            face = RawStream(tmp, cv2.cvtColor(fimg, cv2.COLOR_BGR2RGB).tobytes(), w, h, "face")
            dets = [("retinaface", a.emw)] + ([("mtcnn", a.mtcnn)] if a.mtcnn else [])
        m = {k: [] for k in ("net", "ort", "torch", "pre", "post")}
        stages = []
        for r in range(ROUNDS):
            st = emoc_stages(a.emoc, a.emw, png)
            stages.append(st)
            m["net"].append(st["net_ms"])
            s.sample("detect", s.detect_cmd(a.emoc, a.emw))
            m["ort"].append(ref.ort_ms())
            m["torch"].append(ref.torch_ms())
            m["pre"].append(ref.pre_ms())
            m["post"].append(ref.post_ms())
            if face:
                for name, emw in dets:
                    face.sample(name + " detect", face.detect_cmd(a.emoc, emw))
                    face.sample(name + " predict", face.predict_cmd(a.emoc, a.emotion, emw))
            print("round %d: emoc net %.2f ms, detect %.2f ms/frame; ORT net %.2f ms, "
                  "PyTorch net %.2f ms, reference pre %.2f + post %.2f ms" % (
                      r, m["net"][-1], s.round_ms("detect"), m["ort"][-1], m["torch"][-1],
                      m["pre"][-1], m["post"][-1]), flush=True)
        md = {k: statistics.median(v) for k, v in m.items()}
        e2e = s.per_frame_ms("detect")
        ort_e2e = md["pre"] + md["ort"] + md["post"]
        print("\n%dx%d frame, 1 thread, medians of %d rounds (%d faces >= 0.6 in emoc's last run)"
              % (w, h, ROUNDS, stages[-1]["faces"]))
        print("network     emoc %7.2f ms | ONNX Runtime %7.2f ms | PyTorch %7.2f ms | "
              "emoc/ORT %.3f" % (md["net"], md["ort"], md["torch"], md["net"] / md["ort"]))
        print("per frame   emoc detect %7.2f ms | ORT + reference pre/post %7.2f ms (pre %.2f + "
              "net %.2f + post %.2f) | emoc/that %.3f" % (
                  e2e, ort_e2e, md["pre"], md["ort"], md["post"], e2e / ort_e2e))
        names = ("prep", "net", "select", "sort", "nms", "cpu")
        print("emoc stages " + ", ".join("%s %.3f" % (k, statistics.median(
            x[k + "_ms"] for x in stages)) for k in names) + " ms (emoc bench medians)")
        if face:
            print("one-face frame %s (%dx%d), emotion model %s:" % (
                os.path.basename(a.face_frame), w, h, os.path.basename(a.emotion)))
            for name, _ in dets:
                print("  %-10s detect %7.2f ms/frame, detect + predict %7.2f ms/frame" % (
                    name, face.per_frame_ms(name + " detect"), face.per_frame_ms(name + " predict")))


if __name__ == "__main__":
    main()
