#!/usr/bin/env python3
"""Generate the PyTorch side of conformance into tools/reference/out/ (deterministic per seed).

For every replica (enet.py, mbf.py, ddamfn.py, mobilevit.py; random seeded weights, randomize.py):
  - the model file in the form its authors publish it:
      EfficientNets, MobileFaceNet: ONNX with the authors' export settings (spec §6.1);
      MobileFaceNet also as torch.save(state_dict) (and its backbone alone, insightface style);
      DDAMFN: torch.save(state_dict), torch.save({'model_state_dict': sd}) and a training-style
      checkpoint {'iter', 'model_state_dict', 'optimizer_state_dict'} (Adam after one step);
  - inputs: raw little-endian float32 NCHW 1×3×S×S: seeded noise, a smooth gradient, face.png
    preprocessed as EmotiEffLib's ONNX path does;
  - reference outputs in float32 eval mode: "scores" (all outputs of the final linear) and
    "embedding" (its input), one JSON file per model × input;
  - manifest.tsv: conformance name, reference net, model file, input size.
ONNX node-type counts are checked against spec §1.6 / §2.3 / §4 (a mismatch is an error).

Usage: /usr/bin/python3 tools/reference/generate.py [--out DIR] [--only NET,...] [--bench-onnx]
"""
import argparse
import collections
import hashlib
import json
import os
import sys
import time
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ddamfn  # noqa: E402
import enet  # noqa: E402
import mbf  # noqa: E402
import mobilevit  # noqa: E402
from randomize import randomize  # noqa: E402

FACE_PNG = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "face.png"))
if not os.path.exists(FACE_PNG):
    FACE_PNG = "/work/shared/data/face.png"
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
HALF = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
INPUTS = ("noise", "gradient", "face")

# Reference nets: kind, input size, normalisation, seed.
NETS = collections.OrderedDict([
    ("enet_b0_8_best_afew", ("enet", 224, IMAGENET, 101)),
    ("enet_b0_8_best_vgaf", ("enet", 224, IMAGENET, 102)),
    ("enet_b0_8_va_mtl", ("enet", 224, IMAGENET, 103)),
    ("enet_b2_8", ("enet", 260, IMAGENET, 104)),
    ("enet_b2_7", ("enet", 260, IMAGENET, 105)),
    ("mbf_va_mtl", ("mbf", 112, HALF, 106)),
    ("ddamfn", ("ddamfn", 112, IMAGENET, 107)),
    ("mobilevit_va_mtl", ("mobilevit", 224, IMAGENET, 108)),
])

# Conformance names (models.txt) → (reference net, model file in out/).
CONFORMANCE = collections.OrderedDict(
    [(n, (n, n + ".onnx")) for n in NETS if n.startswith("enet_")] + [
        ("mbf_va_mtl_onnx", ("mbf_va_mtl", "mbf_va_mtl.onnx")),
        ("mbf_va_mtl_pth", ("mbf_va_mtl", "mbf_va_mtl.pth")),
        ("mbf_backbone_pth", ("mbf_va_mtl", "mbf_backbone.pth")),  # no fc: embedding only
        ("ddamfn_pth", ("ddamfn", "ddamfn.pth")),
        ("ddamfn_pth_wrapped", ("ddamfn", "ddamfn_wrapped.pth")),
        ("ddamfn_pth_train_ckpt", ("ddamfn", "ddamfn_train_ckpt.pth")),
        ("mobilevit_va_mtl", ("mobilevit_va_mtl", "mobilevit_va_mtl.onnx")),
        # the same weights exported at opset 13 (Split sizes, ReduceSum axes as inputs)
        ("mobilevit_va_mtl_op13", ("mobilevit_va_mtl", "mobilevit_va_mtl_op13.onnx")),
        # torch.save's legacy (pre-1.6, non-zip) layout, as many published checkpoints are
        ("mbf_va_mtl_pth_legacy", ("mbf_va_mtl", "mbf_va_mtl_legacy.pth")),
        ("ddamfn_pth_train_ckpt_legacy", ("ddamfn", "ddamfn_train_ckpt_legacy.pth")),
    ])

# ONNX op-type counts from the spec (§1.6 for EfficientNets, §2.3 for MobileFaceNet).
SPEC_COUNTS = {
    "b0": {"Conv": 81, "Sigmoid": 65, "Mul": 65, "ReduceMean": 16, "Add": 9, "Pad": 5,
           "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
    "b2": {"Conv": 115, "Sigmoid": 92, "Mul": 92, "ReduceMean": 23, "Add": 16, "Pad": 5,
           "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
    "mbf": {"Conv": 49, "PRelu": 33, "Add": 12, "MatMul": 1, "BatchNormalization": 1, "Gemm": 1},
    # §4: 64 Conv, 25 SiLU, 21 GroupNorm, 9 attentions, 1 Resize
    "mobilevit": {"Conv": 64, "Sigmoid": 25, "InstanceNormalization": 21, "Split": 9,
                  "Softmax": 9, "ReduceSum": 9, "Relu": 9, "Expand": 9, "Resize": 1,
                  "Transpose": 6, "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
}


def source_digest():
    """Cache key: generator sources + face.png + torch version."""
    h = hashlib.sha256()
    for f in sorted(os.listdir(HERE)):
        if f.endswith(".py"):
            with open(os.path.join(HERE, f), "rb") as fh:
                h.update(f.encode() + b"\0" + fh.read())
    with open(FACE_PNG, "rb") as fh:
        h.update(fh.read())
    h.update(torch.__version__.encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Inputs

def normalise(rgb01, norm):
    """HWC RGB in [0,1] → 1×3×H×W float32, (x − mean)/std per channel."""
    mean, std = (np.asarray(v, np.float32) for v in norm)
    x = (rgb01.astype(np.float32) - mean) / std
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


_FACE = []


def face_input(size, norm):
    """EmotiEffLib ONNX path: cv2 read → RGB → cv2.resize INTER_LINEAR (uint8) → /255 → norm."""
    import cv2
    if not _FACE:
        bgr = cv2.imread(FACE_PNG, cv2.IMREAD_COLOR)
        if bgr is None:
            raise SystemExit("cannot read " + FACE_PNG)
        _FACE.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    rgb = cv2.resize(_FACE[0], (size, size), interpolation=cv2.INTER_LINEAR)
    return normalise(rgb.astype(np.float32) / 255.0, norm)


def gradient_input(size, norm):
    """Smooth image: R ramps left→right, G top→bottom, B along the diagonal."""
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)
    xx, yy = np.meshgrid(t, t)
    rgb = np.stack([xx, yy, 0.5 * (xx + yy)], axis=2)
    return normalise(rgb, norm)


def noise_input(size, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn((1, 3, size, size), generator=g).numpy().astype(np.float32)


def calibration_batch(size, norm, seed):
    """The three test inputs plus another noise and a flipped face: every test input is then
    inside the distribution the BN statistics were drawn from, so outputs stay O(1)."""
    face = face_input(size, norm)
    parts = [noise_input(size, seed + 1000), noise_input(size, seed + 500),
             gradient_input(size, norm), face, np.ascontiguousarray(face[:, :, :, ::-1])]
    return torch.from_numpy(np.concatenate(parts, axis=0))


def make_inputs(size, norm, seed):
    return {"noise": noise_input(size, seed), "gradient": gradient_input(size, norm),
            "face": face_input(size, norm)}


# ---------------------------------------------------------------------------------------------
# Models

def build(net):
    kind, size, norm, seed = NETS[net]
    if kind == "enet":
        model = enet.build(net)
    elif kind == "mbf":
        model = mbf.build()
    elif kind == "mobilevit":
        model = mobilevit.build()
    else:
        model = ddamfn.build()
    randomize(model, seed, calibration_batch(size, norm, seed))
    share_some_parameters(kind, model)
    return model


def _copy_module(dst, src):
    with torch.no_grad():
        for (_, d), (_, s) in zip(dst.state_dict().items(), src.state_dict().items()):
            d.copy_(s)


def share_some_parameters(kind, model):
    """Make a few tensors equal so torch's exporter de-duplicates them and re-emits them through
    Identity nodes, as it does in real exports (spec §6.1): one plain parameter and one
    BN-folded conv (weight and bias) per ONNX replica. DDAMFN has no ONNX: nothing to do."""
    if kind == "enet":
        b = model.blocks
        with torch.no_grad():
            b[3][2].se.conv_reduce.bias.copy_(b[3][1].se.conv_reduce.bias)
        _copy_module(b[4][2].conv_pwl, b[4][1].conv_pwl)
        _copy_module(b[4][2].bn3, b[4][1].bn3)
    elif kind == "mbf":
        res = model.features.layers[5].layers  # L5: Residual ×6 at 256 channels
        _copy_module(res[2].layers[0].layers[2], res[1].layers[0].layers[2])  # PReLU slopes
        _copy_module(res[4].layers[2], res[3].layers[2])  # LinearBlock: 1×1 conv + BN
    elif kind == "mobilevit":
        t = model.stages[3][1].transformer
        with torch.no_grad():
            t[1].norm1.weight.copy_(t[0].norm1.weight)  # a GroupNorm affine (plain initializer)
        _copy_module(t[2].mlp.fc2, t[1].mlp.fc2)  # a 1×1 conv with bias (no BN)


def scores_and_embedding(net, model, x):
    """x: N×3×S×S numpy → (scores N×K, embedding N×D) numpy, one batched forward."""
    kind = NETS[net][0]
    with torch.no_grad():
        t = torch.from_numpy(x)
        if kind == "enet":
            emb = model.forward_features(t)
            scores = model.classifier(emb)
        elif kind == "mbf":
            emb = mbf.embedding(model, t)
            scores = model.fc(emb)
        elif kind == "mobilevit":
            emb = model.embedding(t)
            scores = model.head.fc(emb)
        else:
            emb = model.embedding(t)
            scores = model.fc(emb)
    return scores.numpy(), emb.numpy()


def export_onnx(model, size, path, opset=11):
    """The authors' settings (spec §6.1); `opset` other than 11 only for the axes-as-inputs
    variant of the MobileViT file."""
    dummy = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, dummy, path, opset_version=opset, do_constant_folding=True,
                          export_params=True, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}})


def check_onnx(net, path, spec_key):
    """Print the op-type counts and compare them with the spec; check the pads are dynamic."""
    import onnx
    m = onnx.load(path)
    counts = collections.Counter(n.op_type for n in m.graph.node)
    want = SPEC_COUNTS[spec_key]
    bad = ["%s %d (spec %d)" % (op, counts.get(op, 0), n) for op, n in want.items()
           if counts.get(op, 0) != n]
    consts = {i.name for i in m.graph.initializer}
    consts |= {o for n in m.graph.node if n.op_type == "Constant" for o in n.output}
    static_pads = [n.name for n in m.graph.node if n.op_type == "Pad" and n.input[1] in consts]
    if static_pads:
        bad.append("Pad with constant amounts: %s" % ", ".join(static_pads))
    if counts.get("Identity", 0) < 2:
        bad.append("expected Identity nodes for the shared tensors, got %d" % counts.get("Identity", 0))
    print("  %-22s %s" % (net, " ".join("%s=%d" % kv for kv in sorted(counts.items()))), flush=True)
    if bad:
        raise SystemExit("%s: ONNX graph does not match the spec: %s" % (net, "; ".join(bad)))


def save_models(net, model, out):
    kind, size = NETS[net][0], NETS[net][1]
    if kind in ("enet", "mbf", "mobilevit"):
        path = os.path.join(out, net + ".onnx")
        export_onnx(model, size, path)
        check_onnx(net, path, enet.MODELS[net][0] if kind == "enet" else kind)
    if kind == "mobilevit":
        path = os.path.join(out, net + "_op13.onnx")
        export_onnx(model, size, path, opset=13)
        check_onnx(net + "_op13", path, kind)
    if kind == "mbf":
        torch.save(model.state_dict(), os.path.join(out, "mbf_va_mtl.pth"))
        torch.save(model.state_dict(), os.path.join(out, "mbf_va_mtl_legacy.pth"),
                   _use_new_zipfile_serialization=False)
        torch.save(model.features.state_dict(), os.path.join(out, "mbf_backbone.pth"))
    if kind == "ddamfn":
        sd = model.state_dict()  # includes the dead bn.* like the author's checkpoints
        torch.save(sd, os.path.join(out, "ddamfn.pth"))
        torch.save({"model_state_dict": sd}, os.path.join(out, "ddamfn_wrapped.pth"))
        save_training_checkpoint(model, size, os.path.join(out, "ddamfn_train_ckpt.pth"))
        save_training_checkpoint(model, size, os.path.join(out, "ddamfn_train_ckpt_legacy.pth"),
                                 _use_new_zipfile_serialization=False)
        model.bn = torch.nn.Identity()  # as HSEmotion does; forward never used it


def save_training_checkpoint(model, size, path, **save_kw):
    """Like SainingZhang/DDAMFN's training scripts: iter, model and Adam optimizer state.
    The Adam step runs on a deep copy so the reference weights are untouched."""
    import copy
    shadow = copy.deepcopy(model)
    opt = torch.optim.Adam(shadow.parameters(), 1e-4, weight_decay=0)
    shadow.eval()
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(1))
    shadow(x).square().mean().backward()
    opt.step()
    torch.save({"iter": 9, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": opt.state_dict()}, path, **save_kw)


def write_f32(path, arr):
    np.asarray(arr, dtype="<f4").tofile(path)


def generate_net(net, out, threads=1):
    torch.set_num_threads(threads)
    t0 = time.time()
    torch.manual_seed(NETS[net][3])
    model = build(net)
    save_models(net, model, out)
    kind, size, norm, seed = NETS[net]
    inputs = make_inputs(size, norm, seed + 1000)
    scores, emb = scores_and_embedding(net, model, np.concatenate(list(inputs.values()), axis=0))
    lines = []
    for i, (name, x) in enumerate(inputs.items()):
        write_f32(os.path.join(out, "%s.%s.f32" % (net, name)), x)
        ref = {"net": net, "input": name, "shape": list(x.shape),
               "scores": [float(v) for v in scores[i]], "embedding": [float(v) for v in emb[i]]}
        with open(os.path.join(out, "%s.%s.ref.json" % (net, name)), "w") as fh:
            json.dump(ref, fh)
        lines.append("  %-22s %-8s max|scores|=%.3f max|emb|=%.3f" %
                     (net, name, np.abs(scores[i]).max(), np.abs(emb[i]).max()))
    lines.append("  %-22s done in %.1f s" % (net, time.time() - t0))
    print("\n".join(lines), flush=True)


def write_manifest(out):
    with open(os.path.join(out, "manifest.tsv"), "w") as fh:
        fh.write("# name\tnet\tmodel_file\tinput_size\tinputs\tchecks\n")
        for name, (net, f) in CONFORMANCE.items():
            checks = "embedding" if name == "mbf_backbone_pth" else "scores,embedding"
            fh.write("%s\t%s\t%s\t%d\t%s\t%s\n" % (name, net, f, NETS[net][1], ",".join(INPUTS),
                                                 checks))


def export_bench_onnx(out):
    """DDAMFN ONNX for the peer benchmark only: mean-pool variant, same weights (the real module
    fails to export at opset 11, spec §3.4)."""
    model = build("ddamfn")
    twin = ddamfn.build(mean_pool=True)
    twin.load_state_dict(model.state_dict())
    twin.eval()
    x = torch.from_numpy(gradient_input(112, IMAGENET))
    with torch.no_grad():
        ref = model(x)
        err = (twin(x) - ref).abs().max().item()
    if err > 1e-4 * max(1.0, ref.abs().max().item()):
        raise SystemExit("ddamfn mean-pool twin differs from the replica by %g" % err)
    export_onnx(twin, 112, os.path.join(out, "ddamfn_bench.onnx"))
    print("  ddamfn_bench.onnx written (twin max err %.2g)" % err)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--only", default="", help="comma-separated nets (default: all)")
    ap.add_argument("--bench-onnx", action="store_true", help="also write ddamfn_bench.onnx")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per job")
    ap.add_argument("--jobs", type=int, default=2, help="nets generated in parallel processes")
    ap.add_argument("--digest", action="store_true", help="print the cache key and exit")
    args = ap.parse_args()
    if args.digest:
        print(source_digest())
        return
    os.makedirs(args.out, exist_ok=True)
    nets = [n for n in args.only.split(",") if n] or list(NETS)
    for n in nets:
        if n not in NETS:
            raise SystemExit("unknown net %s (known: %s)" % (n, ", ".join(NETS)))
    print("generating %s into %s (torch %s)" % (", ".join(nets), args.out, torch.__version__))
    # Biggest first so the two workers finish together; each net is independent and seeded.
    order = sorted(nets, key=lambda n: -NETS[n][1])
    if args.jobs > 1 and len(nets) > 1:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.jobs) as pool:
            pool.starmap(generate_net, [(n, args.out, args.threads) for n in order], chunksize=1)
    else:
        for n in order:
            generate_net(n, args.out, args.threads)
    write_manifest(args.out)
    if args.bench_onnx:
        export_bench_onnx(args.out)
    if not args.only:
        with open(os.path.join(args.out, "stamp"), "w") as fh:
            fh.write(source_digest() + "\n")


if __name__ == "__main__":
    main()
