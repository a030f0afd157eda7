#!/usr/bin/python3
"""Generates the tiny PyTorch-checkpoint fixtures of tests/pth/ (valid ones with torch.save,
malformed ones by editing those bytes or by writing crafted data.pkl streams into a zip).

Usage: /usr/bin/python3 tools/reference/pth_fixtures/gen.py [OUT_DIR]   (default tests/fixtures/pth)
Deterministic: fixed seeds, fixed zip timestamps. Values the tests assert are printed in
expected.txt next to the fixtures.
"""
import collections
import io
import os
import struct
import sys
import zipfile
import zlib

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "tests", "fixtures", "pth")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(1234)
expected = []


def save(obj, name, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    data = buf.getvalue()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return data


def tiny_state_dict():
    m = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.BatchNorm2d(3))
    with torch.no_grad():
        m[1].running_mean.copy_(torch.tensor([0.5, -0.25, 2.0]))
        m[1].running_var.copy_(torch.tensor([1.5, 0.75, 3.0]))
        m[1].num_batches_tracked.fill_(7)
    return m.state_dict()


# ---- valid -------------------------------------------------------------------------------
sd = tiny_state_dict()
bare = save(sd, "bare.pth")
expected.append("bare.pth 0.weight " + " ".join("%.9g" % v for v in sd["0.weight"].flatten().tolist()))

opt = torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=1e-3)
opt.zero_grad()
opt.param_groups[0]["params"][0].grad = torch.ones(2)
opt.step()
save({"model_state_dict": sd, "optimizer_state_dict": opt.state_dict(), "epoch": 3,
      "best_acc": 0.625, "note": "tiny"}, "wrapped.pth")
save({"epoch": 1, "state_dict": sd}, "wrapped_state_dict.pth")

# Views: a transposed (non-contiguous) tensor, a slice with a storage offset, two tensors sharing
# one storage, a 0-d tensor and an empty one.
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
views = collections.OrderedDict()
views["t"] = base.t()                 # [6,4], strides (1,6)
views["slice"] = base[1:3, 2:5]       # offset 8, strides (6,1)
views["row"] = base[2]                # shares storage with the others
views["scalar"] = torch.tensor(3.5)
views["empty"] = torch.zeros(0, 3)
save(views, "views.pth")

types = collections.OrderedDict()
types["half"] = torch.tensor([1.0, -2.5, 0.0009765625, 65504.0, 6e-08], dtype=torch.float16)
types["double"] = torch.tensor([1.0 / 3.0, -1e10], dtype=torch.float64)
types["bf16"] = torch.tensor([1.5, -0.375], dtype=torch.bfloat16)
types["long"] = torch.tensor([-3, 5], dtype=torch.int64)
save(types, "dtypes.pth")

params = collections.OrderedDict(w=torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]])))
save(params, "parameter.pth")
save(sd, "protocol4.pth", pickle_protocol=4)


# ---- malformed ---------------------------------------------------------------------------
def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def zip_with(entries, compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as z:
        for n, d in entries:
            zi = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = compress
            z.writestr(zi, d)
    return buf.getvalue()


def entries_of(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    return [(i.filename, z.read(i.filename)) for i in z.infolist()]


write("truncated.pth", bare[: len(bare) // 2])
write("not_zip.pth", b"this is not a zip archive at all, just text, long enough....")

# Central directory entry 0 with its local-header offset pointing past the end.
cd = bare.rfind(b"PK\x01\x02")
first_cd = bare.find(b"PK\x01\x02")
bad = bytearray(bare)
struct.pack_into("<I", bad, first_cd + 42, len(bare) + 1000)
write("bad_offset.pth", bytes(bad))
# End record whose central-directory offset points past the archive.
eocd = bare.rfind(b"PK\x05\x06")
bad = bytearray(bare)
struct.pack_into("<I", bad, eocd + 16, 0x7FFFFFF0)
write("bad_cd_offset.pth", bytes(bad))
# Entry flagged as encrypted.
bad = bytearray(bare)
struct.pack_into("<H", bad, first_cd + 8, 0x0809)
write("encrypted.pth", bytes(bad))
# One byte of tensor data flipped: CRC mismatch.
bad = bytearray(bare)
data0 = bare.find(b"PK\x03\x04", 4)  # local header of the second entry (data/0)
nl, xl = struct.unpack_from("<HH", bare, data0 + 26)
bad[data0 + 30 + nl + xl] ^= 0xFF
write("bad_crc.pth", bytes(bad))

write("compressed.pth", zip_with(entries_of(bare), zipfile.ZIP_DEFLATED))


def pickle_ck(pkl, extra=()):
    return zip_with([("archive/data.pkl", pkl)] + list(extra) + [("archive/version", b"3\n")])


# GLOBAL 'os system' called with ('echo pwned',) — must be refused before anything else.
write("os_system.pth", pickle_ck(b"\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."))
write("posix_system.pth", pickle_ck(b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R."))
# builtins.eval through STACK_GLOBAL (protocol 4 style).
write("builtins_eval.pth", pickle_ck(b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x041+1\x85R."))
# REDUCE of an allowed-but-not-callable global (a storage class called directly).
write("storage_call.pth", pickle_ck(b"\x80\x02ctorch\nFloatStorage\nK\x03\x85R."))
# An opcode outside the accepted set (INST 'i').
write("inst_opcode.pth", pickle_ck(b"\x80\x02(ios\nsystem\n."))
# Deep nesting: 200 lists nested by APPEND.
write("deep_lists.pth", pickle_ck(b"\x80\x02" + b"]" * 200 + b"a" * 199 + b"."))
write("deep_marks.pth", pickle_ck(b"\x80\x02" + b"(" * 1000 + b"."))
# A string claiming 4 GiB.
write("huge_string.pth", pickle_ck(b"\x80\x02X\xff\xff\xff\xffabc."))


def rebuild(key, numel, offset, size, stride, storage="FloatStorage"):
    def tup(xs):
        return b"(" + b"".join(b"J" + struct.pack("<i", x) for x in xs) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" +
            b"(X\x07\x00\x00\x00storagectorch\n" + storage.encode() + b"\n" +
            b"X" + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu" +
            b"J" + struct.pack("<i", numel) + b"tQ" +
            b"J" + struct.pack("<i", offset) + tup(size) + tup(stride) +
            b"\x89ccollections\nOrderedDict\n)RtR")


def one_tensor_ck(numel, offset, size, stride, nbytes):
    pkl = b"\x80\x02}(X\x01\x00\x00\x00w" + rebuild("0", numel, offset, size, stride) + b"u."
    return pickle_ck(pkl, [("archive/data/0", bytes(nbytes))])


write("crafted_ok.pth", one_tensor_ck(6, 1, [2, 2], [3, 1], 24))
# Tensor of 100 elements over a storage of 6.
write("short_storage.pth", one_tensor_ck(6, 0, [100], [1], 24))
# Storage numel 1000 but the entry holds 24 bytes.
write("storage_size_mismatch.pth", one_tensor_ck(1000, 0, [6], [1], 24))
# Huge sizes: dims whose product exceeds 2^34.
write("huge_dims.pth", one_tensor_ck(6, 0, [2000000000, 2000000000], [0, 0], 24))
# Storage entry missing.
write("missing_storage.pth", pickle_ck(b"\x80\x02}(X\x01\x00\x00\x00w" +
                                       rebuild("7", 6, 0, [6], [1]) + b"u."))
# Memo read of an index never written, and a stream without STOP.
write("bad_memo.pth", pickle_ck(b"\x80\x02h\x05."))
write("no_stop.pth", pickle_ck(b"\x80\x02}q\x00"))
# A pickled bare tensor, not a dict.
save(torch.ones(2), "bare_tensor.pth")

with open(os.path.join(OUT, "expected.txt"), "w") as f:
    f.write("\n".join(expected) + "\n")
print("fixtures written to", os.path.abspath(OUT))
