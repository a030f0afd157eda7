#!/usr/bin/env bash
# conformance.sh — emoc's RetinaFace against the PyTorch replica of Pytorch_Retinaface's
# detect.py (run by `make conformance`).
#   1. generate.py: a random-weight replica (legacy torch.save, as the published file; also of
#      the different network of Face-Detector-1MB-with-landmark, converted with --arch), the test
#      images, upstream's raw outputs and faces; the class bias is chosen so that every image
#      keeps >= 10 faces and no decision of the post-processing is within the check's bounds
#      (margins.py);
#   2. `emoc convert` → retinaface.emw, and `emoc info` must describe the detector;
#   3. for every ISA this CPU has, check.py: `emoc detect --dump-raw` on each image: raw loc,
#      conf and landms within 1e-4·max(1,max|ref|), the same faces in the same order, boxes and
#      landmarks within 1e-3 px, scores within 1e-5.
# Env: EMOC_BIN (required), PYTHON, EMOC_SHARED_DATA (the test photos, default ../shared/data
#      from the repository root), EMOC_CONF_ISAS (ISAs to check, default: those the CPU has),
#      EMOC_RETINAFACE_OUT (default tools/reference/out/retinaface; the 1mb one beside it, _1mb),
#      EMOC_RETINAFACE_VARIANTS (default "0.25 1mb"), EMOC_RETINAFACE_IMAGES (check only these
#      images, e.g. "border"; default every one of manifest.tsv), EMOC_RETINAFACE_WORK (emoc's
#      outputs, default OUT/work), EMOC_DET_REUSE=1 (keep a reference whose stamp matches the
#      generator: `make conformance-detectors-aarch64` reuses what `make conformance` computed).
set -u
# shellcheck source=../conformance.sh
source "$(dirname "${BASH_SOURCE[0]}")/../conformance.sh" --source-only   # cpu_isas
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${EMOC_RETINAFACE_OUT:-$HERE/../out/retinaface}
ISAS=${EMOC_CONF_ISAS:-$(cpu_isas)}
ISAS=${ISAS//,/ }
fail=0
DATA=${EMOC_SHARED_DATA:-$ROOT/../shared/data}   # generate.py's DATA (the same rule)
[ -d "$DATA" ] || DATA=/work/shared/data   # a worktree is not beside shared/
export EMOC_SHARED_DATA=$DATA
sources=("$HERE"/{generate,detect,nets,margins}.py "$HERE/../randomize.py"
         "$DATA"/{face.png,astronaut.png,face_gray.png,rocket.jpg})
for variant in ${EMOC_RETINAFACE_VARIANTS:-0.25 1mb}; do
    case $variant in
        0.25) out=$OUT; arch=(); label=retinaface ;;
        1mb) out=${OUT}_1mb; arch=(--arch retinaface_1mb); label=retinaface_1mb ;;
    esac
    if [ "${EMOC_DET_REUSE:-0}" = 1 ] && det_reference_fresh "$out" manifest.tsv "${sources[@]}"; then
        echo "$label: reference up to date in $out (computed natively; reused)"
    else
        rm -rf "$out"
        mkdir -p "$out"
        "$PYTHON" "$HERE/generate.py" --variant "$variant" "$out" 2>&1 | grep -v "^libpng warning"
        [ -f "$out/manifest.tsv" ] || { echo "FAIL $label: generate.py did not finish"; fail=1; continue; }
        det_reference_stamp "$out" "${sources[@]}"
    fi
    "$EMOC_BIN" convert "${arch[@]}" "$out/retinaface_random.pth" -o "$out/retinaface.emw" \
        || { echo "FAIL $label: convert"; fail=1; continue; }
    "$EMOC_BIN" info "$out/retinaface.emw" 2>&1 |
        grep -q "face detector: 'retinaface', 5 landmarks, loads ok" ||
        { echo "FAIL $label: emoc info does not describe the detector"; fail=1; }
    # shellcheck disable=SC2086  # one argument per ISA
    EMOC_RETINAFACE_IMAGES=${EMOC_RETINAFACE_IMAGES:-} "$PYTHON" "$HERE/check.py" "$EMOC_BIN" \
        "$out/retinaface.emw" "$out" "${EMOC_RETINAFACE_WORK:-$out/work}" $ISAS |
        sed "s/^retinaface/$label/"
    [ "${PIPESTATUS[0]}" = 0 ] || fail=1
done
exit $fail
