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
import pickle
import pickletools
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


def rebuild(key, numel, offset, size, stride, storage="FloatStorage", view=b""):
    def tup(xs):
        return b"(" + b"".join(b"J" + struct.pack("<i", x) for x in xs) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" +
            b"(X\x07\x00\x00\x00storagectorch\n" + storage.encode() + b"\n" +
            b"X" + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu" +
            b"J" + struct.pack("<i", numel) + view + b"tQ" +
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


# ---- legacy layout (torch.save before 1.6 / _use_new_zipfile_serialization=False) -----------
# magic pickle, protocol-version pickle, sys-info pickle, object pickle, storage-key list pickle,
# then per key an 8-byte element count and the raw bytes.
class _StorageRecorder(pickle.Unpickler):
    """Unpickles a legacy object pickle, noting each storage key's first appearance and element
    size (torch's own classes rebuild the tensors; the file is our own torch.save output)."""
    def __init__(self, f):
        super().__init__(f)
        self.seen = {}

    def persistent_load(self, pid):
        _, storage_type, key, _, numel, _ = pid
        if key not in self.seen:
            self.seen[key] = (len(self.seen), storage_type(0).element_size())
        return storage_type(numel)


def save_legacy(obj, name, protocol=2):
    """torch.save in the legacy layout, made reproducible: the storage keys (str(id(storage)),
    memory addresses) are renamed to zero-padded indices in order of first appearance and the
    key list and storage bytes reordered to match (torch writes them sorted by key)."""
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False, pickle_protocol=protocol)
    data = buf.getvalue()
    f = io.BytesIO(data)
    for _ in range(3):
        pickle.load(f)
    obj_start = f.tell()
    rec = _StorageRecorder(f)
    rec.load()
    head_end = f.tell()
    keys = pickle.load(f)
    assert sorted(keys) == keys and set(keys) == set(rec.seen)
    chunks = {}
    pos = f.tell()
    for k in keys:
        (count,) = struct.unpack_from("<q", data, pos)
        size = 8 + count * rec.seen[k][1]
        chunks[k] = data[pos:pos + size]
        pos += size
    assert pos == len(data)
    width = 9  # ids are 9 to 15 digits depending on where the allocator put the storage
    new = {k: "%0*d" % (width, rec.seen[k][0]) for k in keys}
    obj = data[obj_start:head_end]
    for k in keys:
        for old_lp, new_lp in ((b"X" + struct.pack("<I", len(k)), b"X" + struct.pack("<I", width)),
                               (b"\x8c" + bytes([len(k)]), b"\x8c" + bytes([width]))):
            obj = obj.replace(old_lp + k.encode(), new_lp + new[k].encode())
    # Protocol 4+ frames announce their length: recompute them for the renamed keys.
    frames = [pos for op, _, pos in pickletools.genops(obj) if op.name == "FRAME"]
    obj = bytearray(obj)
    for i, pos in enumerate(frames):
        end = frames[i + 1] if i + 1 < len(frames) else len(obj)
        struct.pack_into("<Q", obj, pos + 1, end - pos - 9)
    head = data[:obj_start] + bytes(obj)
    order = sorted(keys, key=lambda k: new[k])
    data = head + pickle.dumps([new[k] for k in order], protocol=protocol)
    data += b"".join(chunks[k] for k in order)
    write(name, data)
    return data


lbare = save_legacy(sd, "legacy_bare.pth")
save_legacy({"model_state_dict": sd, "optimizer_state_dict": opt.state_dict(), "epoch": 3,
             "best_acc": 0.625, "note": "tiny"}, "legacy_wrapped.pth")
save_legacy(views, "legacy_views.pth")
save_legacy(types, "legacy_dtypes.pth")
save_legacy(params, "legacy_parameter.pth")
save_legacy(sd, "legacy_protocol4.pth", protocol=4)

L_MAGIC = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)
L_VERSION = pickle.dumps(1001, protocol=2)
L_SYSINFO = pickle.dumps({"protocol_version": 1001, "little_endian": True,
                          "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
NONE_VIEW = b"N"


def legacy_ck(obj_pkl, keys, storages, version=L_VERSION, sysinfo=L_SYSINFO, keys_pkl=None):
    out = L_MAGIC + version + sysinfo + obj_pkl
    out += keys_pkl if keys_pkl is not None else pickle.dumps(keys, protocol=2)
    for count, data in storages:
        out += struct.pack("<q", count) + data
    return out


def legacy_one(numel=6, view=NONE_VIEW, **kw):
    pkl = b"\x80\x02}(X\x01\x00\x00\x00w" + rebuild("0", numel, 1, [2, 2], [3, 1], view=view) + b"u."
    return pkl


ok_pkl = legacy_one()
write("legacy_crafted_ok.pth", legacy_ck(ok_pkl, ["0"], [(6, bytes(24))]))
# Cut inside the last storage's bytes, and before its element count.
write("legacy_truncated_data.pth", lbare[:-5])
write("legacy_truncated_count.pth", legacy_ck(ok_pkl, ["0"], []))
write("legacy_trailing.pth", lbare + b"junk")
write("legacy_count_mismatch.pth", legacy_ck(ok_pkl, ["0"], [(5, bytes(20))]))
write("legacy_bad_version.pth", legacy_ck(ok_pkl, ["0"], [(6, bytes(24))],
                                          version=pickle.dumps(1000, protocol=2)))
write("legacy_big_endian.pth", legacy_ck(ok_pkl, ["0"], [(6, bytes(24))], sysinfo=pickle.dumps(
    {"protocol_version": 1001, "little_endian": False}, protocol=2)))
write("legacy_sysinfo_list.pth", legacy_ck(ok_pkl, ["0"], [(6, bytes(24))],
                                           sysinfo=pickle.dumps([1, 2], protocol=2)))
write("legacy_os_system.pth", legacy_ck(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.", [], []))
write("legacy_unreferenced_key.pth", legacy_ck(ok_pkl, ["9"], [(6, bytes(24))]))
write("legacy_missing_key.pth", legacy_ck(ok_pkl, [], []))
write("legacy_keys_dict.pth", legacy_ck(ok_pkl, None, [], keys_pkl=pickle.dumps({}, protocol=2)))
write("legacy_view_metadata.pth", legacy_ck(legacy_one(view=b"(X\x01\x00\x00\x000K\x00K\x06t"),
                                            ["0"], [(6, bytes(24))]))
# The zip layout's 5-item persistent id inside a legacy file.
write("legacy_zip_persid.pth", legacy_ck(legacy_one(view=b""), ["0"], [(6, bytes(24))]))
# Two tensors naming storage '0' with different element counts.
two = (b"\x80\x02}(X\x01\x00\x00\x00a" + rebuild("0", 6, 0, [6], [1], view=NONE_VIEW) +
       b"X\x01\x00\x00\x00b" + rebuild("0", 8, 0, [8], [1], view=NONE_VIEW) + b"u.")
write("legacy_inconsistent.pth", legacy_ck(two, ["0"], [(6, bytes(24))]))
# Two storages, the key list naming one of them twice.
two = (b"\x80\x02}(X\x01\x00\x00\x00a" + rebuild("0", 2, 0, [2], [1], view=NONE_VIEW) +
       b"X\x01\x00\x00\x00b" + rebuild("1", 2, 0, [2], [1], view=NONE_VIEW) + b"u.")
write("legacy_listed_twice.pth", legacy_ck(two, ["0", "0"], [(2, bytes(8)), (2, bytes(8))]))
write("legacy_bare_tensor.pth", legacy_ck(b"\x80\x02" + rebuild("0", 6, 0, [6], [1], view=NONE_VIEW) + b".",
                                          ["0"], [(6, bytes(24))]))


with open(os.path.join(OUT, "expected.txt"), "w") as f:
    f.write("\n".join(expected) + "\n")
print("fixtures written to", os.path.abspath(OUT))
