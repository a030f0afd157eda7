#!/usr/bin/env bash
# make_models.sh — `make models`: fetch the published ONNX files of EmotiEffLib that emoc runs
# (five EfficientNets and mobilevit_va_mtl)
# (github.com/sb-ai-lab/EmotiEffLib, models/affectnet_emotions/onnx/), record their SHA-256 in
# models/SHA256SUMS and convert each into models/<name>.emw with `emoc convert`.
#
# Without network access it prints exactly which files to download and where to put them, then
# converts whatever is already there. Files already present are never downloaded again; a file
# whose SHA-256 differs from the one recorded earlier in SHA256SUMS is reported.
#
# Face detectors (docs/detectors.md): MTCNN's pnet.pt, rnet.pt, onet.pt from timesler/facenet-pytorch
# (data/) → models/mtcnn.emw, and RetinaFace's mobilenet0.25_Final.pth (the copy kept in git by
# foamliu/InsightFace-v2) → models/retinaface.emw; their SHA-256 are pinned below and a file with
# another digest is refused.
#
# Env: EMOC_BIN (default build/emoc), MODELS_DIR (default models), EMOC_MODELS_URL (base URL,
#      default the raw GitHub path below), EMOC_DTYPE (f32 or f16, default f32).
# Exit: 0 when all are present and converted, 1 otherwise.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EMOC_BIN=${EMOC_BIN:-$ROOT/build/emoc}
MODELS_DIR=${MODELS_DIR:-$ROOT/models}
BASE=${EMOC_MODELS_URL:-https://raw.githubusercontent.com/sb-ai-lab/EmotiEffLib/main/models/affectnet_emotions/onnx}
LFS_BASE=https://media.githubusercontent.com/media/sb-ai-lab/EmotiEffLib/main/models/affectnet_emotions/onnx
DTYPE=${EMOC_DTYPE:-f32}
NAMES="enet_b0_8_best_afew enet_b0_8_best_vgaf enet_b0_8_va_mtl enet_b2_7 enet_b2_8 mobilevit_va_mtl"
N_NAMES=$(echo $NAMES | wc -w)

mkdir -p "$MODELS_DIR" || exit 1
MODELS_DIR=$(cd "$MODELS_DIR" && pwd)
SUMS="$MODELS_DIR/SHA256SUMS"
touch "$SUMS"

if [ ! -x "$EMOC_BIN" ]; then
    echo "make_models: $EMOC_BIN not found; run 'make' first" >&2
    exit 1
fi

# fetch URL DEST → 0 on success (a Git LFS pointer is not a model: rejected)
fetch() {
    local url=$1 dest=$2 tmp="$2.part"
    rm -f "$tmp"
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --connect-timeout 10 --retry 1 -o "$tmp" "$url" 2>/dev/null || { rm -f "$tmp"; return 1; }
    elif command -v wget >/dev/null 2>&1; then
        wget -q --timeout=10 -O "$tmp" "$url" 2>/dev/null || { rm -f "$tmp"; return 1; }
    else
        return 1
    fi
    if head -c 40 "$tmp" | grep -q '^version https://git-lfs'; then
        rm -f "$tmp"
        return 2
    fi
    mv "$tmp" "$dest"
}

missing="" failed="" converted=0
for name in $NAMES; do
    onnx="$MODELS_DIR/$name.onnx"
    if [ ! -s "$onnx" ]; then
        echo "fetching $name.onnx ..."
        fetch "$BASE/$name.onnx" "$onnx"
        rc=$?
        [ $rc -eq 2 ] && { fetch "$LFS_BASE/$name.onnx" "$onnx"; rc=$?; }
        if [ $rc -ne 0 ]; then
            missing="$missing $name"
            continue
        fi
    fi
    sum=$(sha256sum "$onnx" | cut -d' ' -f1)
    old=$(awk -v f="$name.onnx" '$2 == f {print $1}' "$SUMS")
    if [ -n "$old" ] && [ "$old" != "$sum" ]; then
        echo "make_models: WARNING: $name.onnx has SHA-256 $sum, SHA256SUMS recorded $old" >&2
    fi
    { grep -v "  $name.onnx\$" "$SUMS"; echo "$sum  $name.onnx"; } | sort -k2 >"$SUMS.tmp" && mv "$SUMS.tmp" "$SUMS"
    if "$EMOC_BIN" convert "$onnx" -o "$MODELS_DIR/$name.emw" --dtype "$DTYPE"; then
        echo "converted $name.onnx → models/$name.emw (sha256 $sum)"
        converted=$((converted + 1))
    else
        failed="$failed $name"
    fi
done

if [ -n "$missing" ]; then
    echo
    echo "make_models: could not download (no network?). Download these files by hand:"
    for name in $missing; do
        echo "  $BASE/$name.onnx"
    done
    echo "and put them in $MODELS_DIR/ under the same names (e.g. $MODELS_DIR/enet_b0_8_best_afew.onnx),"
    echo "then run 'make models' again to record their SHA-256 and convert them."
fi
# ---- face detectors: pinned URLs and SHA-256 -------------------------------------------------
FACENET=https://raw.githubusercontent.com/timesler/facenet-pytorch/master/data
RETINA=https://raw.githubusercontent.com/foamliu/InsightFace-v2/master/retinaface/weights
DETECTOR_FILES="
pnet.pt $FACENET/pnet.pt a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f
rnet.pt $FACENET/rnet.pt bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86
onet.pt $FACENET/onet.pt 165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d
mobilenet0.25_Final.pth $RETINA/mobilenet0.25_Final.pth 2979b33ffafda5d74b6948cd7a5b9a7a62f62b949cef24e95fd15d2883a65220
"
det_missing="" det_bad=""
while read -r file url want; do
    [ -n "$file" ] || continue
    dest="$MODELS_DIR/$file"
    if [ ! -s "$dest" ]; then
        echo "fetching $file ..."
        fetch "$url" "$dest" || { det_missing="$det_missing $file|$url"; continue; }
    fi
    sum=$(sha256sum "$dest" | cut -d' ' -f1)
    if [ "$sum" != "$want" ]; then
        echo "make_models: $file has SHA-256 $sum, expected $want (another file of the same name?)" >&2
        det_bad="$det_bad $file"
        continue
    fi
    { grep -v "  $file\$" "$SUMS"; echo "$sum  $file"; } | sort -k2 >"$SUMS.tmp" && mv "$SUMS.tmp" "$SUMS"
done <<<"$DETECTOR_FILES"
have() { [ -s "$MODELS_DIR/$1" ] && case " $det_bad " in *" $1 "*) return 1 ;; esac; }
if have pnet.pt && have rnet.pt && have onet.pt; then
    if "$EMOC_BIN" convert "$MODELS_DIR/pnet.pt" "$MODELS_DIR/rnet.pt" "$MODELS_DIR/onet.pt" \
            -o "$MODELS_DIR/mtcnn.emw"; then
        echo "converted pnet.pt rnet.pt onet.pt → models/mtcnn.emw"
    else
        failed="$failed mtcnn"
    fi
fi
if have mobilenet0.25_Final.pth; then
    if "$EMOC_BIN" convert "$MODELS_DIR/mobilenet0.25_Final.pth" -o "$MODELS_DIR/retinaface.emw"; then
        echo "converted mobilenet0.25_Final.pth → models/retinaface.emw"
    else
        failed="$failed retinaface"
    fi
fi
if [ -n "$det_missing" ]; then
    echo
    echo "make_models: could not download these face-detector files; download them by hand into $MODELS_DIR/:"
    for e in $det_missing; do echo "  ${e#*|}"; done
fi

[ -n "$failed" ] && echo "make_models: conversion failed for:$failed" >&2
echo "make_models: $converted of $N_NAMES models converted in $MODELS_DIR"
[ -z "$missing" ] && [ -z "$failed" ] && [ -z "$det_missing" ] && [ -z "$det_bad" ]
