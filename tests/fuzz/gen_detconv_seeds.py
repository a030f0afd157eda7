#!/usr/bin/python3
"""gen_detconv_seeds.py — writes the seed corpus of fuzz_detconv (tests/fuzz/corpus/detconv/) and
the detector-checkpoint fixtures of tests/pth/test_convert_detectors.c (tests/fixtures/detconv/).

Random-weight face-detector checkpoints with the module trees and parameter names of the
upstream code (the replicas of tools/reference/mtcnn/nets.py and tools/reference/retinaface/nets.py),
saved by torch.save as the published files are, kept small:

- mtcnn3.bin: PNet, RNet and ONet in facenet-pytorch's legacy (pre-1.6) layout, joined by the
  separator fuzz_detconv.c splits on. MTCNN's shapes are fixed (ONet alone is 1.5 MB in
  float32), so every tensor is a strided view (torch.as_strided, overlapping rows) of one small
  random storage per net: the file holds the storage once, the reader expands the views. ONet's
  storage is sized so that the reader's memory cap (4 x file size + 1 MiB of float32 tensors)
  admits its 1.5 MB of expanded tensors.
- pnet.pt: PNet alone (the "convert all three together" refusal of `emoc convert x.pt`).
- retinaface_legacy.pth: RetinaFace-MobileNet0.25 with every channel count divided by 8 (the
  converter reads widths from the tensors), "module."-prefixed keys as in the published
  mobilenet0.25_Final.pth, legacy layout.
- retinaface_zip.pth: the same network, zip layout, no prefix.

Fixtures: the same valid files (pnet.pt, rnet.pt, onet.pt, retinaface_legacy.pth,
retinaface_zip.pth) and malformed variants, each with one defect the converter must name
(a tensor of the wrong shape, a missing one, an extra one).

Run: /usr/bin/python3 tests/fuzz/gen_detconv_seeds.py   (outputs are committed; keep them small)
"""
import collections
import importlib.util
import io
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus", "detconv")
FIX = os.path.join(ROOT, "tests", "fixtures", "detconv")
SEP = b"#emoc-next-file#"  # fuzz_detconv.c's SEP


def strided(shape, base, offset):
    """A view of `base` with `shape`: inner dims contiguous, rows overlapping so it fits."""
    if len(shape) == 0:
        return base[offset:offset + 1].reshape(())
    inner = 1
    for d in shape[1:]:
        inner *= d
    room = base.numel() - offset
    step = inner if shape[0] < 2 else min(inner, (room - inner) // (shape[0] - 1))
    assert step >= 1 and (shape[0] - 1) * step + inner <= room, (shape, base.numel())
    stride = [step] + [0] * (len(shape) - 1)
    acc = 1
    for k in range(len(shape) - 1, 0, -1):
        stride[k] = acc
        acc *= shape[k]
    return torch.as_strided(base, tuple(shape), tuple(stride), offset)


def shrink_to_views(state, storage_len, seed):
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(storage_len, generator=g) * 0.1
    for i, (name, t) in enumerate(state.items()):
        state[name] = strided(list(t.shape), base, (i * 37) % 97)
    return state


def replica(folder):
    """tools/reference/<folder>/nets.py (both replicas name their module nets.py)."""
    path = os.path.join(ROOT, "tools", "reference", folder, "nets.py")
    spec = importlib.util.spec_from_file_location(f"{folder}_nets", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def legacy_bytes(state):
    f = io.BytesIO()
    torch.save(state, f, _use_new_zipfile_serialization=False)
    return f.getvalue()


def zip_bytes(state):
    f = io.BytesIO()
    torch.save(state, f)
    return f.getvalue()


def mtcnn_states():
    m = replica("mtcnn")
    states = []
    for k, (net, storage) in enumerate(((m.PNet(), 512), (m.RNet(), 2048), (m.ONet(), 36000))):
        state = shrink_to_views(net.state_dict(), storage, 10 + k)
        expanded = 4 * sum(t.numel() for t in state.values())
        assert expanded <= 4 * len(legacy_bytes(state)) + (1 << 20), (k, expanded)
        states.append(state)
    return states


def edited(state, drop=None, reshape=None, add=None):
    """A copy of state without `drop`, with `reshape` = (name, shape) and `add` = (name, shape)."""
    out = collections.OrderedDict()
    for k, v in state.items():
        if k == drop:
            continue
        if reshape and k == reshape[0]:
            v = torch.randn(reshape[1]) * 0.1
        out[k] = v
    if add:
        out[add[0]] = torch.randn(add[1]) * 0.1
    return out


def retinaface_state():
    """Pytorch_Retinaface's names and shapes (the replica's state_dict), channels / 8, as views of
    three shared storages (weights; positive BatchNorm variances; the int64 counters)."""
    full = replica("retinaface").RetinaFace().state_dict()
    g = torch.Generator().manual_seed(7)
    weights = torch.randn(2048, generator=g) * 0.1
    variances = torch.rand(512, generator=g) + 0.5
    counters = torch.zeros(1, dtype=torch.int64)
    out = collections.OrderedDict()
    for i, (name, t) in enumerate(full.items()):
        shape = list(t.shape)
        for d, n in enumerate(shape):
            if n >= 8 and not (d == 0 and "Head" in name):  # heads keep their 8 / 4 / 20 outputs
                shape[d] = n // 8
        if name.endswith("num_batches_tracked"):
            out[name] = counters.reshape(())
        else:
            base = variances if name.endswith("running_var") else weights
            out[name] = strided(shape, base, (i * 37) % 97)
    return out


def write(folder, name, b):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(b)
    print(f"{os.path.relpath(folder, ROOT)}/{name}: {len(b)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(FIX, exist_ok=True)
    torch.manual_seed(0)  # the replaced tensors of the malformed variants
    pnet, rnet, onet = mtcnn_states()
    pb, rb, ob = legacy_bytes(pnet), legacy_bytes(rnet), legacy_bytes(onet)
    rf = retinaface_state()
    rf_module = collections.OrderedDict(("module." + k, v) for k, v in rf.items())
    valid = {"pnet.pt": pb, "retinaface_zip.pth": zip_bytes(rf), "retinaface_legacy.pth": legacy_bytes(rf_module)}
    for name, b in dict(valid, **{"mtcnn3.bin": SEP.join((pb, rb, ob))}).items():
        assert b.count(SEP) == (2 if name == "mtcnn3.bin" else 0), name
        write(OUT, name, b)
    fixtures = dict(valid, **{
        "rnet.pt": rb,
        "onet.pt": ob,
        "pnet_shape.pt": legacy_bytes(edited(pnet, reshape=("conv4_2.weight", (4, 31, 1, 1)))),
        "rnet_missing.pt": legacy_bytes(edited(rnet, drop="prelu4.weight")),
        "pnet_extra.pt": legacy_bytes(edited(pnet, add=("conv5.weight", (2, 2)))),
        "retinaface_head.pth": zip_bytes(edited(rf, reshape=("ClassHead.1.conv1x1.weight", (4, 7, 1, 1)))),
        "retinaface_bn.pth": zip_bytes(edited(rf, reshape=("fpn.merge1.1.running_var", (7,)))),
        "retinaface_missing.pth": zip_bytes(edited(rf, drop="ssh2.conv7x7_3.0.weight")),
        "retinaface_extra.pth": zip_bytes(edited(rf, add=("LandmarkHead.3.conv1x1.weight", (20, 8, 1, 1)))),
    })
    for name, b in fixtures.items():
        write(FIX, name, b)


if __name__ == "__main__":
    main()
