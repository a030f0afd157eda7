"""MTCNN speed, 1 thread, one frame: emoc vs facenet-pytorch's algorithm as
tools/reference/mtcnn replicates it (PyTorch on this machine), side by side in one run.

usage: mtcnn_speed.py EMOC_BIN MTCNN.emw PNET.pt RNET.pt ONET.pt FRAME.ppm [EMOTION.emw]
emoc per frame: `emoc detect --raw` on a stream of the frame (bench/detect_frames.py: the
difference between 41 copies and 1, so process start and loading cancel out); PyTorch: median
of in-process MTCNN.detect() calls after a warm-up. With EMOTION.emw also `emoc predict
--detect` per frame. Runs are interleaved (emoc, torch, emoc, ...) to share the machine's noise."""
import os
import statistics
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "reference", "mtcnn"))
from detect import mtcnn_detect  # noqa: E402
from generate import read_pnm  # noqa: E402
from nets import load_nets  # noqa: E402

from detect_frames import ROUNDS, RawStream  # noqa: E402


def main():
    emoc, emw, pnet, rnet, onet, frame = sys.argv[1:7]
    emotion = sys.argv[7] if len(sys.argv) > 7 else None
    torch.set_num_threads(1)
    nets = load_nets(pnet, rnet, onet)
    img = read_pnm(frame)
    h, w = img.shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        s = RawStream(tmp, img.tobytes(), w, h)
        mtcnn_detect(img, nets)
        pt = []
        for _ in range(ROUNDS):
            s.sample("detect", s.detect_cmd(emoc, emw))
            for _ in range(3):
                t = time.perf_counter()
                mtcnn_detect(img, nets)
                pt.append(time.perf_counter() - t)
            if emotion:
                s.sample("predict", s.predict_cmd(emoc, emotion, emw))
        e = s.per_frame_ms("detect")
        p = statistics.median(pt) * 1e3
        print(f"frame {w}x{h}, 1 thread, medians of {ROUNDS} rounds")
        print(f"emoc MTCNN detect      {e:8.2f} ms/frame")
        print(f"PyTorch {torch.__version__} MTCNN   {p:8.2f} ms/frame")
        print(f"ratio emoc/PyTorch     {e / p:8.3f}")
        if emotion:
            print(f"emoc detect+predict    {s.per_frame_ms('predict'):8.2f} ms/frame "
                  f"({os.path.basename(emotion)})")


if __name__ == "__main__":
    main()
