#!/usr/bin/python3
"""End-to-end ABAW chain on the synthetic set (gen_synthetic.py), run by
tests/abaw/test_abaw_e2e.c with EMOC_BIN, or by hand:

    /usr/bin/python3 tests/abaw/e2e.py build/emoc [WORKDIR]

train-head (two backbones) -> mtl on the validation list -> tune -> mtl / ce on the test list
-> eval (both annotation layouts). Asserts the paper's qualitative effects on held-out test
videos: smoothing raises EXPR F1 and VA CCC but not AU F1; blending two noisy models helps;
AU thresholds tuned on validation beat 0.5. Prints the before/after table. Exit 0 = pass.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EMOC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.environ.get("EMOC_BIN", "build/emoc")
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="emoc_abaw_")
failures = []


def run(*args, expect=0):
    p = subprocess.run([EMOC, *args], cwd=WORK, capture_output=True, text=True)
    if p.returncode != expect:
        print(f"FAIL: emoc {' '.join(args)} -> {p.returncode} (expected {expect})\n{p.stdout}{p.stderr}")
        sys.exit(1)
    return p


def ev(pred, *labels):
    args = ["eval", "--pred", pred, "--json"]
    for l in labels or ("labels_test.txt",):
        args += ["--labels", l]
    return json.loads(run(*args).stdout)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


subprocess.run([sys.executable, os.path.join(HERE, "gen_synthetic.py"), WORK], check=True)
train = ["--seed", "1", "--batch", "64", "--epochs", "40,60,20", "--hidden", "32"]
for m in "AB":
    run("train-head", "--features", f"{m}_train.csv", "--labels", "labels_train.txt",
        "--val-features", f"{m}_val.csv", "--val-labels", "labels_val.txt", "-o", f"head{m}.emw", *train)
    run("mtl", "--features", f"{m}_val.csv", "--head", f"head{m}.emw", "--scores-out", f"val_{m}.csv")
for k in (1, 2):
    run("train-head", "--features", "A_train.csv", "--labels", "labels_train.txt", "--val-features", "A_val.csv",
        "--val-labels", "labels_val.txt", "-o", f"headA_t2_{k}.emw", "--threads", "2", *train)
with open(os.path.join(WORK, "headA_t2_1.emw"), "rb") as f1, open(os.path.join(WORK, "headA_t2_2.emw"), "rb") as f2:
    check(f1.read() == f2.read(), "train-head: same seed and thread count -> identical head file")
tune = run("tune", "--scores", "val_A.csv", "--scores", "val_B.csv", "--labels", "labels_val.txt",
           "-o", "tune", "--kind", "box", "--deltas", "0,2,5,10,15,25")
print(tune.stdout)
smooth = tune.stdout.split("--smooth ")[1].split()[0]
for f in ("au_thresholds.csv", "au_thresholds.svg", "blend.csv", "smooth_va.svg", "smooth_expr.csv"):
    check(os.path.getsize(os.path.join(WORK, "tune", f)) > 50, f"tune wrote {f}")
import xml.etree.ElementTree as ET
for f in ("au_thresholds.svg", "blend.svg", "smooth_va.svg", "smooth_expr.svg", "smooth_au.svg"):
    root = ET.parse(os.path.join(WORK, "tune", f)).getroot()
    check(root.tag.endswith("svg") and len(root.findall("{http://www.w3.org/2000/svg}polyline")) >= 1,
          f"tune wrote a well-formed {f} with curves")

L = ["--list", "test_list.txt"]
runs = {
    "A raw": ["--features", "A_test.csv", "--head", "headA.emw"],
    "B raw": ["--features", "B_test.csv", "--head", "headB.emw"],
    "A smoothed (tuned)": ["--features", "A_test.csv", "--head", "headA.emw", "--smooth", smooth],
    "A AU box:5": ["--features", "A_test.csv", "--head", "headA.emw", "--smooth", "au=box:5"],
    "A+B blend 0.5": ["--features", "A_test.csv,B_test.csv", "--head", "headA.emw,headB.emw",
                      "--blend", "va=0.5,expr=0.5,au=0.5"],
    "A AU tuned thr": ["--features", "A_test.csv", "--head", "headA.emw",
                       "--au-thresholds", "tune/au_thresholds.txt"],
    "A+B blend+smooth+thr": ["--features", "A_test.csv,B_test.csv", "--head", "headA.emw,headB.emw",
                             "--blend", "va=0.5,expr=0.5,au=0.5", "--smooth", smooth,
                             "--au-thresholds", "tune/au_thresholds.txt"],
    "A notebook 1e5:10": ["--features", "A_test.csv", "--head", "headA.emw",
                          "--smooth", "va=notebook:100000:10,expr=notebook:100000:10"],
}
res = {}
for i, (name, args) in enumerate(runs.items()):
    out = f"sub{i}.txt"
    run("mtl", *args, *L, "-o", out)
    with open(os.path.join(WORK, out)) as f:
        lines = f.read().splitlines()
    with open(os.path.join(WORK, "test_list.txt")) as f:
        listed = f.read().splitlines()
    check(lines[0] == "image,valence,arousal,expression,aus" and len(lines) == len(listed)
          and all(l.split(",")[0] == m.split(",")[0] for l, m in zip(lines[1:], listed[1:])),
          f"{name}: one row per listed image, in list order")
    res[name] = ev(out)

print(f"\n{'setting':26s} {'CCC_V':>7s} {'CCC_A':>7s} {'P_VA':>7s} {'F1_EXPR':>8s} {'F1_AU':>7s} {'P_MTL':>7s}")
for name, d in res.items():
    print(f"{name:26s} {d['ccc_valence']:7.4f} {d['ccc_arousal']:7.4f} {d['p_va']:7.4f} "
          f"{d['f1_expr']:8.4f} {d['f1_au']:7.4f} {d['p_mtl']:7.4f}")
print()
a, b = res["A raw"], res["B raw"]
s, au5, bl, thr = res["A smoothed (tuned)"], res["A AU box:5"], res["A+B blend 0.5"], res["A AU tuned thr"]
check(s["f1_expr"] > a["f1_expr"] + 0.02, "smoothing raises EXPR F1")
check(s["ccc_valence"] > a["ccc_valence"] and s["ccc_arousal"] > a["ccc_arousal"], "smoothing raises VA CCC")
check(au5["f1_au"] <= a["f1_au"], "smoothing does not help AUs")
check("au=none" in smooth, "tuning keeps AUs unsmoothed")
for k in ("p_va", "f1_expr", "f1_au"):
    check(bl[k] > max(a[k], b[k]), f"blending two noisy models raises {k}")
check(thr["f1_au"] > a["f1_au"], "AU thresholds tuned on validation beat 0.5 on test")
check(a["n_va"] > 1000 and a["n_expr"] > 1000 and a["n_au"] > 1000, "labelled frames counted per task")

# the per-video uni-task layout gives the same numbers as the single file
uni = ev("sub0.txt", "test_uni/VA", "test_uni/EXPR", "test_uni/AU")
check(all(abs(uni[k] - a[k]) < 1e-12 for k in ("p_va", "f1_expr", "f1_au")) and uni["n_expr"] == a["n_expr"],
      "both annotation layouts agree")
only_va = ev("sub0.txt", "test_uni/VA")
check(only_va["f1_expr"] is None and only_va["p_mtl"] is None and only_va["n_expr"] == 0,
      "missing tasks are null")

# backbone scores without a head (Contempt -> Other), and the Contempt-excluded evaluation
run("mtl", "--features", "A_test.csv", "--head", "none", *L, "-o", "direct.txt")
d = ev("direct.txt")
check(d["f1_expr"] > 0.3 and d["f1_au"] == 0.0 and d["p_va"] > 0.5, "--head none uses the backbone scores")
run("mtl", "--features", "A_test.csv", "--head", "none", "--class-map", "no-contempt", *L, "-o", "direct7.txt")
d7 = json.loads(run("eval", "--pred", "direct7.txt", "--labels", "labels_test.txt", "--json", "--drop-other").stdout)
check(d7["n_expr"] < d["n_expr"] and d7["f1_expr_per_class"][7] is None, "--drop-other skips Other frames")

# compound expressions: runs on every listed frame
run("ce", "--features", "A_test.csv", *L, "--smooth", "box:10", "-o", "ce.txt")
with open(os.path.join(WORK, "ce.txt")) as f:
    ce = f.read().splitlines()
check(ce[0].startswith("image_location,Fearfully_Surprised") and len(ce) == len(listed),
      "ce: header and one row per listed frame")

# malformed inputs name file, line and column; exit code 3
with open(os.path.join(WORK, "bad_labels.txt"), "w") as f:
    f.write("image,valence,arousal,expression,aus\nv/00001.jpg,0.1,0.2,3,0,0,0,0,0,0,0,0,0,0,0,0\n"
            "v/00002.jpg,0.1,zz,3,0,0,0,0,0,0,0,0,0,0,0,0\n")
p = run("eval", "--pred", "sub0.txt", "--labels", "bad_labels.txt", expect=3)
check("bad_labels.txt:3:17:" in p.stderr, "bad annotation value -> file:line:column, exit 3")
with open(os.path.join(WORK, "bad_feats.csv"), "w") as f:
    f.write("video,frame,face,area,x0,x1\nv,1,0,1,0.5,0.25\nv,2,0,1,0.5\n")
p = run("mtl", "--features", "bad_feats.csv", "--head", "headA.emw", "-o", "x.txt", expect=3)
check("bad_feats.csv:3:" in p.stderr, "bad feature row -> file:line:column, exit 3")
p = run("mtl", "--features", "A_test.csv", "--head", "headA.emw", "--au-thresholds", "nope", "-o", "x.txt", expect=2)
print("\n" + ("PASS" if not failures else f"{len(failures)} FAILED: {failures}"))
sys.exit(1 if failures else 0)
