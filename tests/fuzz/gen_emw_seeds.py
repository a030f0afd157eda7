#!/usr/bin/python3
"""gen_emw_seeds.py — writes the seed corpus of fuzz_emw (tests/fuzz/corpus/emw/*.emw).

This is a second, independent implementation of the EMW writer (weights/FORMAT.md), in Python
with numpy only: the Criterion test tests/weights/test_emw_seeds.c parses every file it writes,
so the spec, the C writer and the C reader are checked against each other.
Run: /usr/bin/python3 tests/fuzz/gen_emw_seeds.py   (outputs are committed; keep them small)
"""
import os
import struct
import zlib

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "emw")


def text(s, lenfmt):
    b = s.encode("utf-8")
    return struct.pack(lenfmt, len(b)) + b


def meta_entry(key, value):
    out = text(key, "<H")
    if isinstance(value, bool):
        raise TypeError(key)
    if isinstance(value, int):
        return out + struct.pack("<Bq", 0, value)
    if isinstance(value, float):
        return out + struct.pack("<Bd", 1, value)
    if isinstance(value, str):
        return out + struct.pack("<B", 2) + text(value, "<I")
    kind, items = value  # ("i64[]" | "f64[]" | "str[]", list)
    if kind == "i64[]":
        return out + struct.pack("<BI", 3, len(items)) + b"".join(struct.pack("<q", v) for v in items)
    if kind == "f64[]":
        return out + struct.pack("<BI", 4, len(items)) + b"".join(struct.pack("<d", v) for v in items)
    return out + struct.pack("<BI", 5, len(items)) + b"".join(text(v, "<I") for v in items)


def gemm_p32(w):
    """FORMAT.md §4.1 layout 1: [N][K](1 1) as panels of 32 output channels, [K][width] each,
    the last panel 16 wide when at most 16 channels remain, missing lanes zero."""
    n, k = w.shape[0], w.shape[1]
    w2 = w.reshape(n, k)
    panels = []
    for n0 in range(0, n, 32):
        width = 32 if n - n0 > 16 else 16
        p = np.zeros((k, width), dtype=w.dtype)
        cols = w2[n0:n0 + width]
        p[:, :cols.shape[0]] = cols.T
        panels.append(p.ravel())
    return np.concatenate(panels)


def dw_hwc(w):
    """FORMAT.md §4.1 layout 2: depthwise [C][1][kh][kw] stored [kh][kw][C]."""
    return np.ascontiguousarray(w.reshape(w.shape[0], -1).T).ravel()


LAYOUTS = {"gemm_p32": (1, gemm_p32), "dw_hwc": (2, dw_hwc)}


def emw(meta, tensors, layouts=None):
    """meta: list of (key, value); tensors: list of (name, np.ndarray f32 or f16); layouts:
    {tensor name: layout name} (format 1.1 when any)."""
    layouts = layouts or {}
    datas, offs, end = [], [], 0
    for name, arr in tensors:
        off = (end + 63) & ~63
        stored = LAYOUTS[layouts[name]][1](arr) if name in layouts else arr
        raw = np.ascontiguousarray(stored).astype(arr.dtype.newbyteorder("<")).tobytes()
        offs.append(off)
        datas.append(raw)
        end = off + len(raw)
    body = b"".join(meta_entry(k, v) for k, v in meta)
    for (name, arr), off, raw in zip(tensors, offs, datas):
        dtype = {np.float32: 0, np.float16: 1}[arr.dtype.type]
        extra = struct.pack("<B3x", LAYOUTS[layouts[name]][0]) if name in layouts else b""
        body += text(name, "<H") + struct.pack("<BBH", dtype, arr.ndim, len(extra))
        body += b"".join(struct.pack("<Q", d) for d in arr.shape)
        body += struct.pack("<QQI", off, len(raw), zlib.crc32(raw)) + extra
    header_bytes = 48 + len(body) + 4
    minor = 1 if layouts else 0
    pre = b"EMW\x1a" + struct.pack("<HHIIIIIIQQ", 1, minor, 0x0A0B0C0D, 64, 0, len(meta),
                                   len(tensors), 0, header_bytes, end)
    head = pre + body
    head += struct.pack("<I", zlib.crc32(head))
    data_off = (header_bytes + 63) & ~63
    out = bytearray(head + b"\0" * (data_off - header_bytes) + b"\0" * end)
    for off, raw in zip(offs, datas):
        out[data_off + off:data_off + off + len(raw)] = raw
    return bytes(out)


def net_meta(arch, variant, name, n_classes, va, emb):
    labels = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness",
              "Surprise"][:n_classes]
    n_scores = n_classes + (2 if va else 0)
    return [
        ("emoc.arch", arch), ("emoc.variant", variant), ("emoc.name", name),
        ("input.size", 224 if arch != "mobilefacenet" else 112), ("input.channels", 3),
        ("input.color", "RGB"), ("input.mean", ("f64[]", [0.485, 0.456, 0.406])),
        ("input.std", ("f64[]", [0.229, 0.224, 0.225])), ("input.resize", "pil_bilinear"),
        ("output.n_scores", n_scores), ("output.n_classes", n_classes),
        ("output.labels", ("str[]", labels)),
        ("output.valence_index", n_classes if va else -1),
        ("output.arousal_index", n_classes + 1 if va else -1),
        ("output.embedding_size", emb), ("source.file", name + ".onnx"),
        ("source.sha256", "ab" * 32), ("converter.version", "gen_emw_seeds.py 1"),
    ]


def main():
    rng = np.random.default_rng(7)
    os.makedirs(OUT, exist_ok=True)
    seeds = {}  # filled in order: the rng draws of every seed stay what they were
    seeds.update({
        "empty.emw": emw([], []),
        # Dense metadata: empty strings and arrays stress the reader's storage bound.
        "dense_meta.emw": emw([("e", ("str[]", [""] * 64)), ("i", ("i64[]", [])),
                               ("f", ("f64[]", [])), ("s", ("str[]", []))], []),
        "net_small.emw": emw(
            net_meta("efficientnet", "b0", "enet_b0_8_va_mtl", 8, True, 4)
            + [("ignored.prefixes", ("str[]", ["aux.", "old."])), ("test.i64s", ("i64[]", [-1, 0, 7])),
               ("test.f64", -0.5)],
            [("conv_stem.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
             ("bn1.bias", rng.standard_normal(4).astype(np.float32)),
             ("classifier.weight", rng.standard_normal((10, 4)).astype(np.float16)),
             ("classifier.bias", rng.standard_normal(10).astype(np.float16))]),
        "rank8_f16.emw": emw([("k", "v"), ("unicode.é", "ünïcödé ✓")],
                             [("x", rng.standard_normal((1, 2, 1, 2, 1, 2, 1, 3)).astype(np.float16)),
                              ("y", np.array([0.0, -0.0, 1e-8, 65504.0], dtype=np.float32))]),
    })
    # Same tensors as tests/core/tinynet_net.c (tests/core/tinynet_fixture.c): reaches the plan builder.
    tiny_meta = [(k, v) for k, v in net_meta("tinynet", "tiny", "tinynet_seed", 8, True, 8)
                 if k != "input.size"] + [("input.size", 16)]
    tiny = [(n, (rng.standard_normal(s) * 0.3).astype(np.float32)) for n, s in [
        ("stem.weight", (8, 3, 3, 3)), ("stem.bias", (8,)), ("dw.weight", (8, 1, 3, 3)),
        ("dw.bias", (8,)), ("se.reduce.weight", (2, 8)), ("se.reduce.bias", (2,)),
        ("se.expand.weight", (8, 2)), ("se.expand.bias", (8,)), ("pw.weight", (8, 8, 1, 1)),
        ("pw.bias", (8,)), ("fc.weight", (10, 8)), ("fc.bias", (10,))]]
    seeds.update({
        "tinynet.emw": emw(tiny_meta, tiny),
        # The same net and values in format 1.1, GEMM and depthwise weights stored as the
        # kernels read them (as `emoc convert` writes them): must give bitwise the same outputs.
        "tinynet_layout.emw": emw(tiny_meta, tiny, {
            "dw.weight": "dw_hwc", "se.reduce.weight": "gemm_p32",
            "se.expand.weight": "gemm_p32", "pw.weight": "gemm_p32", "fc.weight": "gemm_p32"}),
        "mtl_head.emw": emw(
            [("emoc.arch", "mtl_head"), ("emoc.variant", "mbf"), ("emoc.name", "head"),
             ("converter.version", "x"), ("output.n_scores", 22), ("output.n_classes", 8),
             ("output.labels", ("str[]", ["a", "b", "c", "d", "e", "f", "g", "h"])),
             ("output.valence_index", 8), ("output.arousal_index", 9),
             ("output.embedding_size", 16)],
            [("expr.weight", rng.standard_normal((8, 6)).astype(np.float32)),
             ("expr.bias", np.zeros(8, dtype=np.float32))]),
    })
    for name, blob in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
        print(f"{name}: {len(blob)} bytes")


if __name__ == "__main__":
    main()
