#!/usr/bin/env python3
"""precision_layers.py — per-layer drift of the reduced-precision paths (docs/precision.md §3).

Runs one model on one input through build/libemoc.so (ctypes) at fp32 and at each reduced
dtype, in a caller-provided arena with the run trace on, and copies every op's output out of the
arena the moment the op has run. Prints per op: the op, its node, the drift of its output
against fp32 (max|Δ|/max|fp32|, accumulated from the input up to this op), the growth of that
drift over the op's input drift, and for the GEMM ops two statistics of the fp32 input:
max|x| / p99.9(|x|) (how many of int8's 127 levels a max-based scale wastes on rare values)
and max_c / median_c of the per-channel maxima (how far one scale per tensor is from the
scale a typical channel would want).

usage: precision_layers.py LIBEMOC.so MODEL.emw INPUT.f32 [--dtypes bf16,int8] [--all]
         [--env NAME=VALUE ...]   (extra environment for the reduced-precision loads)
         [--files REDUCED.emw ...] (compare converted bf16/int8 files, `emoc convert --dtype`,
                                    against MODEL.emw instead of the EMOC_GEMM_DTYPE override)
Without --all only the ops whose drift grows by more than 1.5x (or the 12 worst) are printed.
"""
import ctypes as C
import os
import sys

import numpy as np


class Event(C.Structure):
    _fields_ = [("op_index", C.c_int), ("op", C.c_char_p), ("node", C.c_char_p),
                ("kernel", C.c_char_p), ("n_inputs", C.c_int), ("in_shape", (C.c_int * 4) * 3),
                ("out_shape", C.c_int * 4), ("in_offset", C.c_uint64 * 3),
                ("out_offset", C.c_uint64), ("n_weights", C.c_int),
                ("weight_name", C.c_char_p * 4), ("weight_crc", C.c_uint32 * 4),
                ("flops", C.c_uint64), ("ns", C.c_uint64), ("status", C.c_int)]


TRACE = C.CFUNCTYPE(None, C.c_void_p, C.POINTER(Event))


def run(lib, model_path, x, env):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    model = C.c_void_p()
    err = C.create_string_buffer(512)
    st = lib.emoc_model_load_file(model_path.encode(), None, C.byref(model), err)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if st != 0:
        sys.exit(f"load {model_path} {env}: {err.value.decode()}")
    size = lib.emoc_model_arena_size(model, 1)
    raw = np.zeros(size + 64, dtype=np.uint8)
    off = (-raw.ctypes.data) % 64
    arena = raw[off:off + size]
    sess = C.c_void_p()
    st = lib.emoc_session_create(model, 1, arena.ctypes.data_as(C.c_void_p), C.c_size_t(size),
                                 C.byref(sess), err)
    if st != 0:
        sys.exit(f"session: {err.value.decode()}")
    ops = []

    def grab(offset, shape):
        n = int(np.prod([max(s, 1) for s in shape]))
        return arena[offset:offset + 4 * n].view(np.float32).copy()

    def cb(user, ev):
        e = ev.contents
        ins = [grab(e.in_offset[i], list(e.in_shape[i])) for i in range(min(e.n_inputs, 1))]
        ops.append((e.op.decode(), e.node.decode(), e.kernel.decode(),
                    grab(e.out_offset, list(e.out_shape)), ins, max(e.in_shape[0][3], 1)))

    fn = TRACE(cb)
    lib.emoc_session_set_trace(sess, fn, None)
    out = (C.c_byte * 256)()
    st = lib.emoc_session_run(sess, x.ctypes.data_as(C.POINTER(C.c_float)), C.c_size_t(x.size), out)
    if st != 0:
        sys.exit(f"run: {lib.emoc_session_last_error(sess)}")
    lib.emoc_session_free(sess)
    lib.emoc_model_free(model)
    return ops


def rel(a, b):
    m = float(np.max(np.abs(a)))
    return float(np.max(np.abs(a - b))) / (m if m > 0 else 1e-30)


def main():
    args = sys.argv[1:]
    dtypes, show_all, env = ["bf16", "int8"], False, {}
    if "--dtypes" in args:
        i = args.index("--dtypes"); dtypes = args[i + 1].split(","); del args[i:i + 2]
    if "--all" in args:
        args.remove("--all"); show_all = True
    files = []
    if "--files" in args:
        i = args.index("--files"); files = args[i + 1:]; del args[i:]
    while "--env" in args:
        i = args.index("--env"); k, v = args[i + 1].split("=", 1); env[k] = v; del args[i:i + 2]
    lib = C.CDLL(args[0])
    lib.emoc_model_arena_size.restype = C.c_size_t
    lib.emoc_session_last_error.restype = C.c_char_p
    x = np.fromfile(args[2], dtype="<f4")
    ref = run(lib, args[1], x, {"EMOC_GEMM_DTYPE": "fp32"})
    # fp32 outputs by node: the input drift of an op is the drift of the op that wrote its input
    runs = [(f, f, {}) for f in files] or [(d, args[1], dict(env, EMOC_GEMM_DTYPE=d)) for d in dtypes]
    for d, path, e in runs:
        got = run(lib, path, x, e)
        assert len(got) == len(ref), (len(got), len(ref))
        rows, prev = [], 0.0
        last_by_data = {}
        for i, (r, g) in enumerate(zip(ref, got)):
            drift = rel(r[3], g[3])
            in_drift = rel(r[4][0], g[4][0]) if r[4] and r[4][0].size else 0.0
            outl = ""
            if g[0] in ("pwconv", "linear") and r[4] and r[4][0].size:
                a = np.abs(r[4][0])
                p = float(np.percentile(a, 99.9))
                outl = f"{float(a.max()) / p:.1f}" if p > 0 else "inf"
                k = r[5]  # channels (NHWC: the last dimension)
                cmax = a.reshape(-1, k).max(axis=0)
                med = float(np.median(cmax))
                outl += f" / {float(cmax.max()) / med:.1f}" if med > 0 else " / inf"
            rows.append((i, g[0], g[1], g[2], in_drift, drift, drift / max(in_drift, 1e-12), outl))
        print(f"## {os.path.basename(args[1])} {os.path.basename(args[2])} {d}"
              f"{' ' + str(env) if env else ''}: {len(rows)} ops, final drift {rows[-1][5]:.2e}")
        print("| # | op | node | kernel | input drift | output drift | growth | fp32 input: max/p99.9 / channel max spread |")
        print("|---:|---|---|---|---:|---:|---:|---:|")
        worst = sorted(rows, key=lambda r: -(r[5] - r[4]))[:12]
        for r in rows:
            if show_all or r in worst or r[6] > 1.5:
                print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.2e} | {r[5]:.2e} | {r[6]:.2f} | {r[7]} |")


if __name__ == "__main__":
    main()
