#!/usr/bin/env python3
"""make_fixtures.py — generates tests/fixtures/image/: small PNG/PPM/PGM/BMP files covering every
sub-format the decoders support, the pixels Pillow (9.4, Debian) decodes from them, and the
OpenCV / Pillow resize expectations.

Run once from the repository root:  /usr/bin/python3 tools/reference/image/make_fixtures.py
Outputs (all small, committed):
  NAME.png|ppm|pgm|bmp       the encoded fixture
  NAME.expect.pnm            Pillow's pixels: P6 for RGB, P5 for gray (alpha dropped, palettes
                             expanded, 16-bit samples reduced to their high byte)
  resize_*.pnm               resize sources
  resize.txt                 one line per case: src mode width height fnv1a64-of-expected-pixels
The PNG writer is our own (below) so every filter type, Adam7, and stored / fixed / dynamic
DEFLATE blocks are exercised; Pillow is the reference decoder for the expectations.
"""
import io
import os
import struct
import sys
import zlib

import cv2
import numpy as np
from PIL import Image

OUT = os.path.join("tests", "fixtures", "image")
RNG = np.random.default_rng(20261129)


def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(row, prev, bpp, ftype):
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][ftype]
        out[i] = (x - pred) & 0xFF
    return bytes(out)


def pack_samples(samples, depth):
    """samples: 1-D list of ints for one row; returns packed bytes (big-endian bits / 16-bit)."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, n = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode_png(arr, color, depth, interlace=0, palette=None, trns=None, zmode="dynamic", idat_split=0):
    """arr: H×W×S uint16 samples (already at `depth`). Filter type cycles 0..4 per row."""
    h, w, s = arr.shape
    bpp = max(1, s * depth // 8)
    raw = bytearray()
    rowno = 0
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        sub = arr[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rb = (sub.shape[1] * s * depth + 7) // 8
        prev = bytes(rb)
        for r in sub:
            row = pack_samples([int(v) for v in r.reshape(-1)], depth)
            ft = rowno % 5
            rowno += 1
            raw += bytes([ft]) + filter_row(row, prev, bpp, ft)
            prev = row
    if zmode == "stored":
        z = zlib.compress(bytes(raw), 0)
    elif zmode == "fixed":
        co = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_FIXED)
        z = co.compress(bytes(raw)) + co.flush()
    else:
        z = zlib.compress(bytes(raw), 9)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))
    png += chunk(b"tEXt", b"Comment\x00emoc fixture")
    if palette is not None:
        png += chunk(b"PLTE", bytes(palette))
    if trns is not None:
        png += chunk(b"tRNS", bytes(trns))
    if idat_split:
        for i in range(0, len(z), idat_split):
            png += chunk(b"IDAT", z[i:i + idat_split])
    else:
        png += chunk(b"IDAT", z)
    return png + chunk(b"IEND", b"")


def pnm_bytes(a):
    if a.ndim == 2:
        return b"P5\n%d %d\n255\n" % (a.shape[1], a.shape[0]) + a.astype(np.uint8).tobytes()
    return b"P6\n%d %d\n255\n" % (a.shape[1], a.shape[0]) + a.astype(np.uint8).tobytes()


def pillow_pixels(data, gray16=False, gray=False):
    im = Image.open(io.BytesIO(data))
    im.load()
    if gray and not gray16:  # gray+alpha 16-bit opens as RGBA with R=G=B; L of that is exact
        return np.array(im.convert("L"))
    if gray16:  # Pillow keeps 16-bit gray as mode I; we (like OpenCV) keep the high byte
        return (np.array(im).astype(np.uint32) >> 8).astype(np.uint8)
    if im.mode in ("1", "L", "LA", "I;16", "I;16B"):
        return np.array(im.convert("L"))
    return np.array(im.convert("RGB"))


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def png_cases():
    W, H = 13, 11  # odd sizes: partial bytes, short Adam7 passes
    cases = []
    for depth in (1, 2, 4, 8, 16):
        a = RNG.integers(0, 1 << depth, (H, W, 1))
        cases.append((f"png_g{depth}", a, 0, depth, {}))
    for depth in (8, 16):
        cases.append((f"png_ga{depth}", RNG.integers(0, 1 << depth, (H, W, 2)), 4, depth, {}))
        cases.append((f"png_rgb{depth}", RNG.integers(0, 1 << depth, (H, W, 3)), 2, depth, {}))
        cases.append((f"png_rgba{depth}", RNG.integers(0, 1 << depth, (H, W, 4)), 6, depth, {}))
    for depth in (1, 2, 4, 8):
        n = 1 << depth
        pal = RNG.integers(0, 256, 3 * n).tolist()
        extra = {"palette": pal}
        if depth == 4:
            extra["trns"] = [0, 128, 255]
        cases.append((f"png_p{depth}", RNG.integers(0, n, (H, W, 1)), 3, depth, extra))
    # interlaced variants, and the three DEFLATE block kinds, split IDAT
    cases.append(("png_rgb8_adam7", RNG.integers(0, 256, (H, W, 3)), 2, 8, {"interlace": 1}))
    cases.append(("png_g1_adam7", RNG.integers(0, 2, (H, W, 1)), 0, 1, {"interlace": 1}))
    cases.append(("png_p4_adam7", RNG.integers(0, 16, (H, W, 1)), 3, 4,
                  {"interlace": 1, "palette": RNG.integers(0, 256, 48).tolist()}))
    cases.append(("png_rgba16_adam7", RNG.integers(0, 65536, (H, W, 4)), 6, 16, {"interlace": 1}))
    cases.append(("png_rgb8_stored", RNG.integers(0, 256, (H, W, 3)), 2, 8, {"zmode": "stored"}))
    cases.append(("png_rgb8_fixed", RNG.integers(0, 256, (H, W, 3)), 2, 8, {"zmode": "fixed"}))
    smooth = (np.add.outer(np.arange(H), np.arange(W)) * 9 % 256)[:, :, None].repeat(3, 2)
    cases.append(("png_rgb8_split", smooth, 2, 8, {"idat_split": 7}))
    cases.append(("png_1x1", np.array([[[10, 20, 30]]]), 2, 8, {}))
    for name, arr, color, depth, extra in cases:
        data = encode_png(arr, color, depth, **extra)
        write(name + ".png", data)
        write(name + ".expect.pnm", pnm_bytes(pillow_pixels(data, gray16=(color == 0 and depth == 16), gray=color in (0, 4))))
    # a Pillow-written PNG too (its own filter choices and zlib settings)
    face = RNG.integers(0, 256, (20, 17, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(face).save(buf, "PNG")
    write("png_pillow.png", buf.getvalue())
    write("png_pillow.expect.pnm", pnm_bytes(pillow_pixels(buf.getvalue())))


def ppm_cases():
    a = RNG.integers(0, 256, (7, 9, 3), dtype=np.uint8)
    data = b"P6\n# comment line\n9 7\n255\n" + a.tobytes()
    write("ppm_rgb.ppm", data)
    write("ppm_rgb.expect.pnm", pnm_bytes(pillow_pixels(data)))
    g = RNG.integers(0, 256, (5, 6), dtype=np.uint8)
    data = b"P5 6 5 255 " + g.tobytes()
    write("pgm_gray.pgm", data)
    write("pgm_gray.expect.pnm", pnm_bytes(pillow_pixels(data)))
    m = RNG.integers(0, 101, (4, 5, 3), dtype=np.uint8)
    data = b"P6\n5 4\n100\n" + m.tobytes()
    write("ppm_maxval100.ppm", data)
    write("ppm_maxval100.expect.pnm", pnm_bytes(pillow_pixels(data)))


def bmp_cases():
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)  # width 7: 21-byte rows, 3 bytes padding
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "BMP")
    write("bmp_24.bmp", buf.getvalue())
    write("bmp_24.expect.pnm", pnm_bytes(pillow_pixels(buf.getvalue())))
    rgba = RNG.integers(0, 256, (5, 4, 4), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "BMP")
    write("bmp_32.bmp", buf.getvalue())
    write("bmp_32.expect.pnm", pnm_bytes(pillow_pixels(buf.getvalue())))
    # top-down 24-bit: written by hand (negative height)
    h, w = 5, 3
    t = RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)
    stride = (w * 3 + 3) & ~3
    rows = b"".join(t[y, :, ::-1].tobytes() + bytes(stride - w * 3) for y in range(h))
    hdr = struct.pack("<2sIHHI", b"BM", 54 + len(rows), 0, 0, 54)
    dib = struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    data = hdr + dib + rows
    write("bmp_topdown.bmp", data)
    write("bmp_topdown.expect.pnm", pnm_bytes(pillow_pixels(data)))


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h ^= x
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def resize_cases():
    srcs = {
        "resize_rgb.pnm": RNG.integers(0, 256, (29, 37, 3), dtype=np.uint8),
        "resize_gray.pnm": RNG.integers(0, 256, (17, 23), dtype=np.uint8),
        "resize_even.pnm": RNG.integers(0, 256, (28, 36, 3), dtype=np.uint8),  # exact 2x down
        "resize_col.pnm": RNG.integers(0, 256, (9, 1, 3), dtype=np.uint8),
    }
    # a smooth face-like gradient with detail, large enough for the model sizes
    yy, xx = np.mgrid[0:150, 0:150]
    face = np.stack([(xx * 1.7 + yy) % 256, (yy * 1.3 + 40 * np.sin(xx / 7)) % 256,
                     (xx * yy / 90) % 256], -1).astype(np.uint8)
    srcs["resize_face.pnm"] = face
    sizes = {
        "resize_rgb.pnm": [(224, 224), (112, 112), (17, 13), (50, 41), (37, 29), (1, 1), (74, 58), (5, 60)],
        "resize_gray.pnm": [(11, 8), (46, 34), (224, 224)],
        "resize_even.pnm": [(18, 14), (9, 7), (72, 56)],
        "resize_col.pnm": [(1, 20), (4, 3), (3, 9)],
        "resize_face.pnm": [(224, 224), (260, 260), (112, 112), (75, 75), (149, 151)],
    }
    lines = []
    for name, a in srcs.items():
        write(name, pnm_bytes(a))
        for (w, h) in sizes[name]:
            cvo = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
            pil = np.array(Image.fromarray(a).resize((w, h), Image.BILINEAR))
            lines.append(f"{name} cv2 {w} {h} {fnv1a64(cvo.tobytes()):016x}")
            lines.append(f"{name} pil {w} {h} {fnv1a64(pil.tobytes()):016x}")
    write("resize.txt", ("\n".join(lines) + "\n").encode())


def main():
    os.makedirs(OUT, exist_ok=True)
    png_cases()
    ppm_cases()
    bmp_cases()
    resize_cases()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total} bytes in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
