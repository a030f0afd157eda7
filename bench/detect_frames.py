"""Shared timing of face detectors through the emoc CLI (bench/retinaface_speed.py,
bench/mtcnn_speed.py): per-frame cost of `emoc detect` / `emoc predict --detect` on a raw RGB
stream, and subprocess timing helpers.

Per frame = (median time of the command on COPIES copies of the frame - median on 1 copy) /
(COPIES - 1): process start, model loading and the first frame's planning cancel out. Callers
interleave their measurements round by round so every runtime shares the machine's noise."""
import os
import statistics
import subprocess
import time

COPIES, ROUNDS = 41, 7


def timed(cmd, cwd=None):
    """Wall seconds of one run of cmd (output discarded; a failure raises)."""
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - t


class RawStream:
    """One frame as a 1-copy and a COPIES-copy raw RGB stream in tmp, and the emoc commands
    that read them; sample() times one round of a command, per_frame_ms() the result."""

    def __init__(self, tmp, rgb_bytes, width, height, tag="frame"):
        self.one = os.path.join(tmp, tag + ".1.rgb")
        self.many = os.path.join(tmp, tag + ".n.rgb")
        with open(self.one, "wb") as f:
            f.write(rgb_bytes)
        with open(self.many, "wb") as f:
            f.write(rgb_bytes * COPIES)
        self.size = "%dx%d" % (width, height)
        self.t1, self.tn = {}, {}

    def detect_cmd(self, emoc, detector):
        return [emoc, "detect", "-q", "-m", detector, "--raw", self.size]

    def predict_cmd(self, emoc, emotion, detector):
        return [emoc, "predict", "-q", "-m", emotion, "--detect", detector, "--raw", self.size]

    def sample(self, key, cmd):
        """One round: cmd on 1 copy and on COPIES copies (recorded under key)."""
        self.t1.setdefault(key, []).append(timed(cmd + [self.one]))
        self.tn.setdefault(key, []).append(timed(cmd + [self.many]))

    def per_frame_ms(self, key):
        return ((statistics.median(self.tn[key]) - statistics.median(self.t1[key]))
                / (COPIES - 1) * 1e3)

    def round_ms(self, key):
        """The last round's per-frame estimate (for progress lines)."""
        return (self.tn[key][-1] - self.t1[key][-1]) / (COPIES - 1) * 1e3
