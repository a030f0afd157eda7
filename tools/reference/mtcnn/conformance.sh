#!/usr/bin/env bash
# conformance.sh — emoc's MTCNN against the PyTorch replica of facenet-pytorch's detector
# (run by `make conformance` through tools/reference/conformance.sh).
#   1. generate.py: random-weight pnet/rnet/onet.pt (zip torch.save), test frames, the upstream
#      detect() results and every sub-network call (at least 10 candidates survive each stage);
#   2. `emoc convert pnet.pt rnet.pt onet.pt` (shuffled order) → mtcnn.emw;
#   3. for every ISA this CPU has: each recorded sub-network call through `emoc mtcnn-net`
#      (raw outputs within 1e-4·max(1,max|ref|)), and `emoc detect --threshold 0` on each frame
#      (same faces, boxes/landmarks within 1e-3 px, scores within 1e-5).
# Env: EMOC_BIN (required), PYTHON, EMOC_CONF_ISAS (ISAs to check, default: those the CPU has),
#      EMOC_SHARED_DATA (default ../shared/data from the repository root),
#      EMOC_MTCNN_OUT (default tools/reference/out/mtcnn),
#      EMOC_MTCNN_IMAGES (check only these frames, e.g. "border"; default every generated one),
#      EMOC_DET_REUSE=1 (keep OUT's reference when its stamp matches the generator and the data:
#      `make conformance-detectors-aarch64` reuses what `make conformance` computed natively).
set -u
# shellcheck source=../conformance.sh
source "$(dirname "${BASH_SOURCE[0]}")/../conformance.sh" --source-only   # cpu_isas
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
DATA=${EMOC_SHARED_DATA:-$ROOT/../shared/data}
[ -d "$DATA" ] || DATA=/work/shared/data   # a worktree is not beside shared/
OUT=${EMOC_MTCNN_OUT:-$HERE/../out/mtcnn}
ISAS=${EMOC_CONF_ISAS:-$(cpu_isas)}
ISAS=${ISAS//,/ }
fail=0
mkdir -p "$OUT"
[ -f "$DATA/rocket.jpg" ] || { echo "FAIL mtcnn: no test data at $DATA"; exit 1; }
"$EMOC_BIN" decode "$DATA/rocket.jpg" -o "$OUT/rocket.ppm" || { echo "FAIL mtcnn: decode"; exit 1; }
sources=("$HERE"/{generate,detect,nets,weights}.py "$DATA"/{astronaut.png,face.png} "$OUT/rocket.ppm")
if [ "${EMOC_DET_REUSE:-0}" = 1 ] && det_reference_fresh "$OUT" noface.ref.json "${sources[@]}"; then
    echo "mtcnn: reference up to date in $OUT (computed natively; reused)"
else
    rm -f "$OUT/stamp" "$OUT/noface.ref.json"
    "$PYTHON" "$HERE/generate.py" "$DATA" "$OUT/rocket.ppm" "$OUT" 2>&1 | grep -v "^libpng warning" \
        || true
    [ -f "$OUT/noface.ref.json" ] || { echo "FAIL mtcnn: generate.py did not finish"; exit 1; }
    det_reference_stamp "$OUT" "${sources[@]}"
fi
IMAGES=${EMOC_MTCNN_IMAGES:-$(cd "$OUT" && ls -- *.ref.json | sed 's/\.ref\.json$//')}
IMAGES=${IMAGES//,/ }
for name in $IMAGES; do
    [ -f "$OUT/$name.ref.json" ] || { echo "FAIL mtcnn: no frame '$name' (EMOC_MTCNN_IMAGES) in $OUT"; exit 1; }
done
"$EMOC_BIN" convert "$OUT/rnet.pt" "$OUT/onet.pt" "$OUT/pnet.pt" -o "$OUT/mtcnn.emw" \
    || { echo "FAIL mtcnn: convert"; exit 1; }
# the converter's refusals: wrong tensors, wrong file counts (exit code, and the message names it)
refuse() {  # WANT_EXIT NEEDLE FILE...
    local want=$1 needle=$2; shift 2
    "$EMOC_BIN" convert "$@" -o "$OUT/refused.emw" 2>"$OUT/refused.err"
    local got=$?
    if [ "$got" != "$want" ] || ! grep -q -- "$needle" "$OUT/refused.err"; then
        echo "FAIL mtcnn convert refusal ($*): exit $got (want $want): $(cat "$OUT/refused.err")"
        fail=1
    else
        echo "mtcnn convert refuses ($*): ok ($needle)"
    fi
}
refuse 3 "dense4.weight' has shape \[128x575\], expected \[128x576\]" "$OUT/pnet.pt" "$OUT/rnet_bad_shape.pt" "$OUT/onet.pt"
refuse 3 "dense7.weight' is not part" "$OUT/pnet.pt" "$OUT/rnet.pt" "$OUT/onet_extra.pt"
refuse 2 "both MTCNN PNet" "$OUT/pnet.pt" "$OUT/pnet.pt" "$OUT/onet.pt"
refuse 2 "MTCNN's three checkpoints" "$OUT/pnet.pt" "$OUT/rnet.pt"
refuse 2 "convert all three together" "$OUT/pnet.pt"
"$EMOC_BIN" info "$OUT/mtcnn.emw" 2>&1 | grep -q "face detector: 'mtcnn', 5 landmarks, loads ok" \
    || { echo "FAIL mtcnn: emoc info does not describe the detector"; fail=1; }

ran=0
for isa in $ISAS; do
    calls=0
    for shape in $(for name in $IMAGES; do ls "$OUT/$name".*.shape; done); do
        base=${shape%.shape}
        calls=$((calls + 1))
        read -r net dims <"$shape"
        if ! EMOC_ISA=$isa "$EMOC_BIN" mtcnn-net -m "$OUT/mtcnn.emw" --net "$net" --shape "$dims" \
                "$base.in.f32" -o "$base.$isa.emoc.f32" ||
           ! "$PYTHON" "$HERE/compare.py" net "$base.out.f32" "$base.$isa.emoc.f32" >"$base.$isa.cmp"; then
            echo "FAIL mtcnn $isa $(basename "$base"): $(cat "$base.$isa.cmp" 2>/dev/null)"
            fail=1
        fi
    done
    echo "mtcnn $isa: $calls sub-network calls checked"
    for name in $IMAGES; do
        ref=$OUT/$name.ref.json
        EMOC_ISA=$isa "$EMOC_BIN" detect -q -m "$OUT/mtcnn.emw" --threshold 0 --format jsonl \
            "$OUT/$name.ppm" >"$OUT/$name.$isa.jsonl" || { echo "FAIL mtcnn $isa $name: detect"; fail=1; continue; }
        printf 'mtcnn %s %s: ' "$isa" "$name"
        "$PYTHON" "$HERE/compare.py" faces "$ref" "$OUT/$name.$isa.jsonl" || fail=1
    done
    ran=1
done
[ "$ran" = 1 ] || { echo "FAIL mtcnn: no ISA checked"; fail=1; }
exit $fail
