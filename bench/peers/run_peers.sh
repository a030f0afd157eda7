#!/usr/bin/env bash
# run_peers.sh — latency of the same replica models in ONNX Runtime (npm onnxruntime-node) and
# PyTorch eager, at 1 and 2 threads, median and min over PEERS_RUNS (≥ 50) runs after warm-up.
#
# usage: bench/peers/run_peers.sh [--csv] [NET ...]     NET as in tools/reference/generate.py
#        bench/peers/run_peers.sh --prepare     only install ORT and (re)generate the models
#   default nets: all eight. Prints one JSON object per measurement (or a CSV table with --csv).
# env: PYTHON (/usr/bin/python3), PEERS_RUNS (50), PEERS_THREADS (1,2), PEERS_TORCH (1; 0 = skip
#      PyTorch), PEERS_TORCH_NETS (default: one net per architecture — b0, b2, mbf, ddamfn — since
#      eager PyTorch is slow here and the classifier width does not change the timing).
# Installs onnxruntime-node into bench/peers/node_modules (git-ignored) with npm on first use;
# generates tools/reference/out/ (and its DDAMFN bench ONNX) when missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REF="$ROOT/tools/reference"
OUT="$REF/out"
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS=${PEERS_RUNS:-50}
THREADS=${PEERS_THREADS:-1,2}
ALL_NETS="enet_b0_8_best_afew enet_b0_8_best_vgaf enet_b0_8_va_mtl enet_b2_8 enet_b2_7 mbf_va_mtl ddamfn mobilevit_va_mtl"
TORCH_NETS=${PEERS_TORCH_NETS:-enet_b0_8_va_mtl enet_b2_8 mbf_va_mtl ddamfn}

csv=0 prepare=0
if [ "${1:-}" = --csv ]; then csv=1; shift; fi
if [ "${1:-}" = --prepare ]; then prepare=1; shift; fi
nets=${*:-$ALL_NETS}
[ "$RUNS" -ge 50 ] || echo "run_peers: note: PEERS_RUNS=$RUNS is below the 50 runs the issues ask for" >&2

if [ ! -f "$HERE/node_modules/onnxruntime-node/package.json" ]; then
    echo "run_peers: installing onnxruntime-node into $HERE/node_modules ..." >&2
    # --ignore-scripts: the CPU binaries ship inside the package; its postinstall only fetches
    # GPU libraries from outside the registry.
    (cd "$HERE" && npm install --no-audit --no-fund --ignore-scripts >&2)
fi

digest=$("$PYTHON" "$REF/generate.py" --digest)
if [ ! -f "$OUT/stamp" ] || [ "$(cat "$OUT/stamp")" != "$digest" ]; then
    echo "run_peers: generating tools/reference/out ..." >&2
    "$PYTHON" "$REF/generate.py" >&2
    rm -f "$OUT/ddamfn_bench.onnx"
fi
if { [ $prepare = 1 ] || [[ " $nets " == *" ddamfn "* ]]; } && [ ! -f "$OUT/ddamfn_bench.onnx" ]; then
    echo "run_peers: exporting the DDAMFN bench ONNX ..." >&2
    "$PYTHON" "$REF/generate.py" --only ddamfn --bench-onnx >&2
fi
[ $prepare = 1 ] && exit 0

results=$(mktemp)
trap 'rm -f "$results"' EXIT
specs=()
for n in $nets; do
    onnx="$OUT/$n.onnx"
    [ "$n" = ddamfn ] && onnx="$OUT/ddamfn_bench.onnx"
    specs+=("$n=$onnx:$OUT/$n.face.f32:$OUT/$n.face.ref.json")
done
node "$HERE/ort_bench.js" --threads "$THREADS" --runs "$RUNS" --warmup 5 "${specs[@]}" | tee -a "$results" \
    | { [ $csv = 1 ] && cat >/dev/null || cat; }

if [ "${PEERS_TORCH:-1}" = 1 ]; then
    tnets=()
    for n in $TORCH_NETS; do [[ " $nets " == *" $n "* ]] && tnets+=("$n"); done
    if [ ${#tnets[@]} -gt 0 ]; then
        "$PYTHON" "$HERE/torch_bench.py" --threads "$THREADS" --runs "$RUNS" "${tnets[@]}" \
            | tee -a "$results" | { [ $csv = 1 ] && cat >/dev/null || cat; }
    fi
fi

if [ $csv = 1 ]; then
    "$PYTHON" - "$results" <<'EOF'
import json, sys
print("runtime,version,model,threads,runs,median_ms,min_ms,max_err_vs_torch")
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(",".join(str(r.get(k, "")) for k in
                   ("runtime", "version", "model", "threads", "runs", "median_ms", "min_ms",
                    "max_err_vs_torch")))
EOF
fi
