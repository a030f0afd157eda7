"""Minimal baseline JPEG encoder for fixtures Pillow and OpenCV cannot write.

Pillow only writes 4:4:4, 4:2:2 and 4:2:0 and always interleaves; libjpeg-turbo decodes much
more (4:4:0, 4:1:1, odd ratios such as 3:1, luma smaller than chroma, one scan per component,
sampling factors on a grayscale image). This encoder writes such files with any integer sampling
factors 1..4, interleaved or one scan per component, and the standard Huffman tables taken from
a Pillow-written file, so that Pillow's (libjpeg-turbo's) decode of them can serve as reference.
Test tooling only: float DCT, no optimisation.
"""
import io
import math

import numpy as np
from PIL import Image

ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63]


def _std_tables():
    """DQT (natural order) and DHT (class, id) → (counts, symbols) from a Pillow baseline file."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", quality=90)
    d = buf.getvalue()
    pos, dqt, dht = 2, {}, {}
    while d[pos] == 0xFF and d[pos + 1] != 0xDA:
        m, ln = d[pos + 1], int.from_bytes(d[pos + 2:pos + 4], "big")
        seg = d[pos + 4:pos + 2 + ln]
        i = 0
        while m == 0xDB and i < len(seg):
            tq = seg[i] & 15
            q = [0] * 64
            for k in range(64):
                q[ZIGZAG[k]] = seg[i + 1 + k]
            dqt[tq] = q
            i += 65
        while m == 0xC4 and i < len(seg):
            tc, th = seg[i] >> 4, seg[i] & 15
            counts = list(seg[i + 1:i + 17])
            n = sum(counts)
            dht[(tc, th)] = (counts, list(seg[i + 17:i + 17 + n]))
            i += 17 + n
        pos += 2 + ln
    return dqt, dht


def _codes(counts, symbols):
    table, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(counts[length - 1]):
            table[symbols[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return table


class _Bits:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def put(self, value, length):
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc, self.n = 0, 0

    def flush(self):
        while self.n:
            self.put(1, 1)
        return bytes(self.out)


def _dct_matrix():
    m = np.zeros((8, 8))
    for k in range(8):
        for n in range(8):
            m[k, n] = (math.sqrt(0.125) if k == 0 else 0.5) * math.cos((2 * n + 1) * k * math.pi / 16)
    return m


def encode(planes_full, factors, ids=None, interleaved=True, restart_interval=0):
    """planes_full: list of H×W uint8 arrays (full resolution, one per component);
    factors: list of (h, v). Returns the JPEG bytes."""
    dqt, dht = _std_tables()
    H, W = planes_full[0].shape
    nc = len(planes_full)
    ids = ids or list(range(1, nc + 1))
    hmax = max(f[0] for f in factors)
    vmax = max(f[1] for f in factors)
    mcux, mcuy = -(-W // (8 * hmax)), -(-H // (8 * vmax))
    C = _dct_matrix()
    blocks = []  # per component: 2-D list [by][bx] of 64 zigzag-ordered quantised coefficients
    for ci, (plane, (h, v)) in enumerate(zip(planes_full, factors)):
        cw, ch = -(-W * h // hmax), -(-H * v // vmax)
        # Box-downsample by the ratio, then pad to whole MCUs by edge replication.
        rh, rv = hmax // h, vmax // v
        p = np.pad(plane.astype(np.float64), ((0, ch * rv - H), (0, cw * rh - W)), mode="edge")
        small = p.reshape(ch, rv, cw, rh).mean(axis=(1, 3))
        bw, bh = mcux * h, mcuy * v
        small = np.pad(small, ((0, bh * 8 - ch), (0, bw * 8 - cw)), mode="edge")
        q = np.array(dqt[0 if ci == 0 else 1], dtype=np.float64).reshape(8, 8)
        comp = []
        for by in range(bh):
            row = []
            for bx in range(bw):
                blk = small[by * 8:by * 8 + 8, bx * 8:bx * 8 + 8] - 128.0
                coef = np.round(C @ blk @ C.T / q).astype(int).flatten()
                row.append([int(coef[ZIGZAG[k]]) for k in range(64)])
            comp.append(row)
        blocks.append(comp)

    huff = {key: _codes(*val) for key, val in dht.items()}

    def put_value(bits, v):
        if v == 0:
            return 0, 0
        s = abs(v).bit_length()
        return s, (v if v > 0 else v + (1 << s) - 1)

    def enc_block(bits, ci, zz, pred):
        dc_t, ac_t = huff[(0, 0 if ci == 0 else 1)], huff[(1, 0 if ci == 0 else 1)]
        s, val = put_value(bits, zz[0] - pred[ci])
        pred[ci] = zz[0]
        bits.put(*dc_t[s])
        bits.put(val, s)
        run = 0
        for k in range(1, 64):
            if zz[k] == 0:
                run += 1
                continue
            while run > 15:
                bits.put(*ac_t[0xF0])
                run -= 16
            s, val = put_value(bits, zz[k])
            bits.put(*ac_t[(run << 4) | s])
            bits.put(val, s)
            run = 0
        if run:
            bits.put(*ac_t[0x00])

    def scan(comps):
        units = []
        if len(comps) == 1:
            ci = comps[0]
            h, v = factors[ci]
            cw, ch = -(-W * h // hmax), -(-H * v // vmax)
            for by in range(-(-ch // 8)):
                for bx in range(-(-cw // 8)):
                    units.append([(ci, by, bx)])
        else:
            for my in range(mcuy):
                for mx in range(mcux):
                    u = []
                    for ci in comps:
                        h, v = factors[ci]
                        for yy in range(v):
                            for xx in range(h):
                                u.append((ci, my * v + yy, mx * h + xx))
                    units.append(u)
        out = bytearray()
        bits, pred, rst = _Bits(), [0] * nc, 0
        for i, u in enumerate(units):
            if restart_interval and i and i % restart_interval == 0:
                out += bits.flush() + bytes([0xFF, 0xD0 + rst])
                rst = (rst + 1) & 7
                bits, pred = _Bits(), [0] * nc
            for ci, by, bx in u:
                enc_block(bits, ci, blocks[ci][by][bx], pred)
        out += bits.flush()
        hdr = bytes([len(comps)])
        for ci in comps:
            hdr += bytes([ids[ci], (0 if ci == 0 else 0x11)])
        hdr += bytes([0, 63, 0])
        return b"\xff\xda" + (len(hdr) + 2).to_bytes(2, "big") + hdr + bytes(out)

    seg = lambda m, body: bytes([0xFF, m]) + (len(body) + 2).to_bytes(2, "big") + body
    out = b"\xff\xd8"
    for t in (0, 1):
        out += seg(0xDB, bytes([t]) + bytes(dqt[t][ZIGZAG[k]] for k in range(64)))
    sof = bytes([8]) + H.to_bytes(2, "big") + W.to_bytes(2, "big") + bytes([nc])
    for ci, (h, v) in enumerate(factors):
        sof += bytes([ids[ci], (h << 4) | v, 0 if ci == 0 else 1])
    out += seg(0xC0, sof)
    for (tc, th), (counts, symbols) in sorted(dht.items()):
        out += seg(0xC4, bytes([(tc << 4) | th]) + bytes(counts) + bytes(symbols))
    if restart_interval:
        out += seg(0xDD, restart_interval.to_bytes(2, "big"))
    if interleaved and nc > 1:
        out += scan(list(range(nc)))
    else:
        for ci in range(nc):
            out += scan([ci])
    return out + b"\xff\xd9"
