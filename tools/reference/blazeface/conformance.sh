#!/usr/bin/env bash
# conformance.sh — BlazeFace on the real MediaPipe .tflite files against the TFLite runtime
# (run by `make conformance` after the PyTorch checks; docs/blazeface.md §7).
# Installs the pinned npm packages of package.json into this folder (git-ignored node_modules,
# install scripts disabled) when they are missing, builds blaze_run against build/libemoc.a,
# then runs conformance.py at every ISA this CPU supports.
# Env: EMOC_BIN (required), PYTHON (default /usr/bin/python3), CC (default cc), EMOC_LIB
# (default build/libemoc.a), EMOC_BLAZE_WORK (default build/blazeface-conformance),
# EMOC_BLAZE_IMAGES (check only these test images, e.g. "border,sizes"; default all),
# EMOC_CONF_ISAS (override the ISA list), EMOC_CONF_ARCH=aarch64 (`make
# conformance-detectors-aarch64`: blaze_run cross-built with aarch64-linux-gnu-gcc against
# build/aarch64/libemoc.a and run under qemu-user by tests/qemu/emoc_qemu.sh, ISAs neon and ref;
# the TFLite reference still runs natively); EMOC_CONF_ARCH=armhf the same with
# arm-linux-gnueabihf-gcc, build/armhf/libemoc.a and tests/qemu/emoc_qemu_armhf.sh.
set -eu
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
ARCH=${EMOC_CONF_ARCH:-$(uname -m)}
# A cross build runs under qemu through the wrapper that already runs emoc there (WRAP, told
# which binary by BIN_VAR); native builds run blaze_run directly.
WRAP= SUB=
if [ "$ARCH" = aarch64 ] && [ "$(uname -m)" != aarch64 ]; then
    CC=${CC_AARCH64:-aarch64-linux-gnu-gcc} SUB=aarch64
    WRAP=$ROOT/tests/qemu/emoc_qemu.sh BIN_VAR=EMOC_AARCH64_BIN
elif [ "$ARCH" = armhf ]; then
    CC=${CC_ARMHF:-arm-linux-gnueabihf-gcc} SUB=armhf
    WRAP=$ROOT/tests/qemu/emoc_qemu_armhf.sh BIN_VAR=EMOC_ARMHF_BIN
fi
LIB=${EMOC_LIB:-$ROOT/build/${SUB:+$SUB/}libemoc.a}
WORK=${EMOC_BLAZE_WORK:-$ROOT/build/blazeface-conformance${SUB:+-$SUB}}
mkdir -p "$WORK"
if [ ! -f "$HERE/node_modules/@mediapipe/face_detection/face_detection_short_range.tflite" ] ||
   [ ! -f "$HERE/node_modules/@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.wasm" ]; then
    echo "blazeface: npm install (pinned in $HERE/package.json, scripts disabled)"
    (cd "$HERE" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
    -I"$ROOT/include" -I"$ROOT" -o "$WORK/blaze_run" "$HERE/blaze_run.c" "$LIB" -lm -pthread
runner=$WORK/blaze_run
if [ -n "$WRAP" ]; then
    runner=$WORK/blaze_run_qemu
    printf '#!/bin/sh\n%s=%s exec %s "$@"\n' "$BIN_VAR" "$WORK/blaze_run" "$WRAP" >"$runner"
    chmod +x "$runner"
fi
export EMOC_BLAZE_IMAGES=${EMOC_BLAZE_IMAGES:-}
if [ -n "${EMOC_CONF_ISAS:-}" ]; then
    # shellcheck disable=SC2086
    exec "$PYTHON" "$HERE/conformance.py" "$EMOC_BIN" "$runner" "$WORK" ${EMOC_CONF_ISAS//,/ }
fi
isas="ref"
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
if [ "$(uname -m)" = x86_64 ]; then
    if has avx2 fma f16c; then isas="$isas avx2"; else echo "blazeface: ISA avx2 SKIPPED (CPU lacks it)"; fi
    if has avx512f avx512bw avx512dq avx512vl; then isas="$isas avx512"; else echo "blazeface: ISA avx512 SKIPPED (CPU lacks it)"; fi
elif [ "$(uname -m)" = aarch64 ]; then
    isas="$isas neon"
fi
# shellcheck disable=SC2086
exec "$PYTHON" "$HERE/conformance.py" "$EMOC_BIN" "$runner" "$WORK" $isas
