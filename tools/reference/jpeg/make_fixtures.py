#!/usr/bin/python3
"""Generate the JPEG decoder fixtures in tests/fixtures/jpeg/ (run once; outputs are committed).

Each fixture is a small JPEG written by Pillow (or OpenCV where Pillow lacks the option, e.g.
restart intervals) plus the pixels Debian's Pillow decodes from it (libjpeg-turbo, islow IDCT,
fancy upsampling), stored raw (.rgb = 3 bytes/pixel, .gray = 1 byte/pixel, rows top to bottom).
manifest.txt lists: jpeg-file raw-file width height channels orientation kind
(kind: baseline or progressive). The face_*.rgb files are Pillow's decodes of
../shared/data/face_*.jpg, which the tests read from there when present.

Usage: /usr/bin/python3 tools/reference/jpeg/make_fixtures.py [REPO_ROOT]
"""
import io
import os
import sys

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mini_encoder  # noqa: E402

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "jpeg")
SHARED = os.environ.get("EMOC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))


def synthetic(w, h, seed, gray=False):
    """Smooth gradients, a hard edge, a disc and mild noise: exercises every coefficient range."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / max(w, 1) * 5.0 + seed) * np.cos(y / max(h, 1) * 3.0)
    g = 255 * x / max(w - 1, 1)
    b = 255 * y / max(h - 1, 1)
    disc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 3) ** 2
    r[disc] = 250 - r[disc] / 2
    g[:, : w // 3] = 30
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (h, w, 3))
    img = np.clip(img, 0, 255).astype(np.uint8)
    if gray:
        return Image.fromarray(img).convert("L")
    return Image.fromarray(img)


rows = []


def emit(name, data, kind, orientation=1):
    with open(os.path.join(OUT, name + ".jpg"), "wb") as f:
        f.write(data)
    im = Image.open(io.BytesIO(data))
    im.load()
    px = np.asarray(im)
    channels = 1 if px.ndim == 2 else px.shape[2]
    ext = ".gray" if channels == 1 else ".rgb"
    px.astype(np.uint8).tofile(os.path.join(OUT, name + ext))
    rows.append(f"{name}.jpg {name}{ext} {im.width} {im.height} {channels} {orientation} {kind}")


def pil_jpeg(img, **kw):
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def cv2_jpeg(img, params):
    arr = np.asarray(img)
    if arr.ndim == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    ok, enc = cv2.imencode(".jpg", arr, params)
    assert ok
    return enc.tobytes()


def adobe_rgb(data):
    """Replace JFIF APP0 by an Adobe APP14 segment with transform 0 (components stored as RGB)."""
    assert data[2:4] == b"\xff\xe0"
    app0_len = int.from_bytes(data[4:6], "big")
    app14 = b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00"
    return data[:2] + app14 + data[4 + app0_len:]


def rgb_ids(data):
    """Drop JFIF APP0 and name the components 'R','G','B': libjpeg then skips YCbCr→RGB."""
    app0_len = int.from_bytes(data[4:6], "big")
    d = bytearray(data[:2] + data[4 + app0_len:])
    for marker, first in ((0xC0, 10), (0xDA, 5)):
        pos = 2
        while not (d[pos] == 0xFF and d[pos + 1] == marker):
            pos += 2 + int.from_bytes(d[pos + 2:pos + 4], "big")
        step = 3 if marker == 0xC0 else 2
        for k, cid in enumerate(b"RGB"):
            d[pos + first + step * k] = cid
    return bytes(d)


def main():
    os.makedirs(OUT, exist_ok=True)
    emit("base_444_q90_32x24", pil_jpeg(synthetic(32, 24, 1), quality=90, subsampling=0), "baseline")
    emit("base_422_q85_33x17", pil_jpeg(synthetic(33, 17, 2), quality=85, subsampling=1), "baseline")
    emit("base_420_q75_17x13", pil_jpeg(synthetic(17, 13, 3), quality=75, subsampling=2), "baseline")
    emit("base_420_q95_48x40", pil_jpeg(synthetic(48, 40, 4), quality=95, subsampling=2), "baseline")
    emit("base_420_q20_35x21", pil_jpeg(synthetic(35, 21, 5), quality=20, subsampling=2), "baseline")
    emit("base_420_1x1", pil_jpeg(synthetic(1, 1, 6), quality=90, subsampling=2), "baseline")
    emit("base_420_3x2", pil_jpeg(synthetic(3, 2, 7), quality=90, subsampling=2), "baseline")
    emit("base_422_4x9", pil_jpeg(synthetic(4, 9, 8), quality=90, subsampling=1), "baseline")
    emit("base_420_opt_q80_29x31", pil_jpeg(synthetic(29, 31, 9), quality=80, optimize=True), "baseline")
    emit("gray_q90_31x17", pil_jpeg(synthetic(31, 17, 10, gray=True), quality=90), "baseline")
    emit("gray_1x1", pil_jpeg(synthetic(1, 1, 11, gray=True), quality=90), "baseline")
    emit("rst_420_q85_40x32", cv2_jpeg(synthetic(40, 32, 12), [cv2.IMWRITE_JPEG_QUALITY, 85,
                                                               cv2.IMWRITE_JPEG_RST_INTERVAL, 1]),
         "baseline")
    emit("rst3_gray_q80_37x21", cv2_jpeg(synthetic(37, 21, 13, gray=True),
                                         [cv2.IMWRITE_JPEG_QUALITY, 80, cv2.IMWRITE_JPEG_RST_INTERVAL, 3]),
         "baseline")
    emit("adobe_rgb_444_q90_16x16", adobe_rgb(pil_jpeg(synthetic(16, 16, 14), quality=90, subsampling=0)),
         "baseline")
    emit("rgb_ids_444_q90_16x16", rgb_ids(pil_jpeg(synthetic(16, 16, 30), quality=90, subsampling=0)),
         "baseline")
    emit("prog_420_q80_40x30", pil_jpeg(synthetic(40, 30, 15), quality=80, progressive=True), "progressive")
    emit("prog_444_q95_23x19", pil_jpeg(synthetic(23, 19, 16), quality=95, subsampling=0, progressive=True),
         "progressive")
    emit("prog_422_q60_26x18", pil_jpeg(synthetic(26, 18, 17), quality=60, subsampling=1, progressive=True),
         "progressive")
    emit("prog_gray_q85_19x27", pil_jpeg(synthetic(19, 27, 18, gray=True), quality=85, progressive=True),
         "progressive")
    emit("prog_rst_420_q75_33x25", cv2_jpeg(synthetic(33, 25, 19), [cv2.IMWRITE_JPEG_QUALITY, 75,
                                                                    cv2.IMWRITE_JPEG_PROGRESSIVE, 1,
                                                                    cv2.IMWRITE_JPEG_RST_INTERVAL, 2]),
         "progressive")
    for k in range(1, 9):
        img = synthetic(9, 7, 20 + k)
        exif = Image.Exif()
        exif[0x0112] = k
        emit(f"exif_orient{k}_9x7", pil_jpeg(img, quality=90, exif=exif.tobytes()), "baseline", k)
    # Big-endian ("MM") EXIF written by hand: Pillow always writes little-endian.
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00" \
        + b"\x00\x00\x00\x00"
    app1 = b"\xff\xe1" + (len(tiff) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + tiff
    base = pil_jpeg(synthetic(9, 7, 29), quality=90)
    emit("exif_be_orient6_9x7", base[:2] + app1 + base[2:], "baseline", 6)

    # Sampling layouts only libjpeg-turbo's decoder (not Pillow's encoder) handles: mini_encoder.
    def ycc_planes(img):
        return [np.asarray(p) for p in img.convert("YCbCr").split()]

    mini = [
        ("mini_440_21x19", 21, 19, [(1, 2), (1, 1), (1, 1)], True, 0),
        ("mini_411_37x11", 37, 11, [(4, 1), (1, 1), (1, 1)], True, 0),
        ("mini_311_26x10", 26, 10, [(3, 1), (1, 1), (1, 1)], True, 0),
        ("mini_22_12_21_27x23", 27, 23, [(2, 2), (1, 2), (2, 1)], True, 0),
        ("mini_luma_small_19x17", 19, 17, [(1, 1), (2, 2), (2, 2)], True, 0),
        ("mini_420_noninterleaved_30x22", 30, 22, [(2, 2), (1, 1), (1, 1)], False, 0),
        ("mini_420_noninterleaved_rst_30x22", 30, 22, [(2, 2), (1, 1), (1, 1)], False, 3),
        ("mini_440_rst_21x35", 21, 35, [(1, 2), (1, 1), (1, 1)], True, 2),
    ]
    for i, (name, w, h, factors, inter, rst) in enumerate(mini):
        planes = ycc_planes(synthetic(w, h, 40 + i))
        emit(name, mini_encoder.encode(planes, factors, interleaved=inter, restart_interval=rst), "baseline")
    gray = np.asarray(synthetic(15, 13, 50, gray=True))
    emit("mini_gray_h2v2_15x13", mini_encoder.encode([gray], [(2, 2)]), "baseline")

    # Taller than the decoder's rings of 3 MCU rows (engine/image/jpeg_output.c): rows leave as
    # MCU rows complete and the rings wrap several times, with restarts and every upsampling rule.
    emit("tall_420_rst_q85_52x100", cv2_jpeg(synthetic(52, 100, 60), [cv2.IMWRITE_JPEG_QUALITY, 85,
                                                                     cv2.IMWRITE_JPEG_RST_INTERVAL, 2]),
         "baseline")
    emit("tall_422_q80_45x70", pil_jpeg(synthetic(45, 70, 61), quality=80, subsampling=1), "baseline")
    emit("tall_444_q90_30x61", pil_jpeg(synthetic(30, 61, 62), quality=90, subsampling=0), "baseline")
    emit("tall_gray_q85_23x90", pil_jpeg(synthetic(23, 90, 63, gray=True), quality=85), "baseline")
    emit("tall_prog_420_q80_40x100", pil_jpeg(synthetic(40, 100, 64), quality=80, progressive=True),
         "progressive")
    tall = [
        ("mini_tall_440_19x100", 19, 100, [(1, 2), (1, 1), (1, 1)], 0),
        ("mini_tall_14_rst_17x140", 17, 140, [(1, 4), (1, 1), (1, 1)], 3),
        ("mini_tall_22_12_21_27x70", 27, 70, [(2, 2), (1, 2), (2, 1)], 0),
    ]
    for i, (name, w, h, factors, rst) in enumerate(tall):
        planes = ycc_planes(synthetic(w, h, 70 + i))
        emit(name, mini_encoder.encode(planes, factors, interleaved=True, restart_interval=rst), "baseline")

    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("\n".join(rows) + "\n")

    for name in ("face_q90", "face_q95_444", "face_progressive"):
        src = os.path.join(SHARED, name + ".jpg")
        im = Image.open(src)
        im.load()
        np.asarray(im).astype(np.uint8).tofile(os.path.join(OUT, name + ".rgb"))

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(rows)} fixtures + 3 face references, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
