#!/usr/bin/env bash
# bench/startup.sh — start-up of every net (docs/startup.md, issue 17), emoc next to ONNX Runtime:
# per model, `emoc bench --json` (load_ms = median of --loads repeated loads with every check,
# load_cpu_ms, first_run_ms, peak_rss_kb), the whole one-image `emoc predict --threads 1` process
# (bench/startup.py: best / median wall, CPU, peak RSS, the `emoc info` budget), for the EMW 1.1
# file `emoc convert` writes and for the row-major 1.0 file (--layout rows, weights laid out at
# load), and ONNX Runtime's InferenceSession.create time (median of STARTUP_ORT_RUNS fresh
# processes, bench/peers/ort_bench.js). Needs tools/reference/out (generate.py) and, for ORT,
# bench/peers/node_modules (bench/peers/run_peers.sh installs it).
#
# env: EMOC_BIN (required), PYTHON (/usr/bin/python3), STARTUP_RUNS (15), STARTUP_LOADS (20),
#      STARTUP_ORT_RUNS (5), STARTUP_MODELS ("b0 b2 mbf ddamfn mvit").
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT="$ROOT/tools/reference/out"
PYTHON=${PYTHON:-/usr/bin/python3}
: "${EMOC_BIN:?set EMOC_BIN to the emoc binary}"
face="$ROOT/../shared/data/face.png"
[ -f "$face" ] || face=/work/shared/data/face.png
dir="$OUT/bench"
mkdir -p "$dir"
src() { # short name -> source file, ONNX file for ORT, its face input
    case "$1" in
    b0) echo "enet_b0_8_va_mtl.onnx enet_b0_8_va_mtl.onnx enet_b0_8_va_mtl.face.f32" ;;
    b2) echo "enet_b2_8.onnx enet_b2_8.onnx enet_b2_8.face.f32" ;;
    mbf) echo "mbf_va_mtl.onnx mbf_va_mtl.onnx mbf_va_mtl.face.f32" ;;
    ddamfn) echo "ddamfn.pth ddamfn_bench.onnx ddamfn.face.f32" ;;
    mvit) echo "mobilevit_va_mtl.onnx mobilevit_va_mtl.onnx mobilevit_va_mtl.face.f32" ;;
    esac
}
for m in ${STARTUP_MODELS:-b0 b2 mbf ddamfn mvit}; do
    read -r file onnx input <<<"$(src "$m")"
    for layout in kernel rows; do
        emw="$dir/startup_${m}_$layout.emw"
        "$EMOC_BIN" convert "$OUT/$file" -o "$emw" --layout "$layout" >/dev/null 2>&1 ||
            { echo "{\"model\":\"$m\",\"layout\":\"$layout\",\"error\":\"convert failed\"}"; continue; }
        b=$("$EMOC_BIN" bench -m "$emw" --threads 1 --runs 5 --loads "${STARTUP_LOADS:-20}" --json 2>/dev/null | tail -1)
        p=$("$PYTHON" "$HERE/startup.py" "$EMOC_BIN" "$emw" "$face" "${STARTUP_RUNS:-15}")
        "$PYTHON" -c 'import json,sys; b=json.loads(sys.argv[1] or "{}"); p=json.loads(sys.argv[2] or "{}")
o={"runtime":"emoc","model":sys.argv[3],"layout":sys.argv[4],"file_bytes":int(sys.argv[5])}
o.update({k:b.get(k) for k in ("load_ms","load_min_ms","load_cpu_ms","first_load_ms","first_run_ms","peak_rss_kb")}); o.update(p)
print(json.dumps(o))' "$b" "$p" "$m" "$layout" "$(stat -c %s "$emw")"
    done
    if [ -f "$HERE/peers/node_modules/onnxruntime-node/package.json" ]; then
        for _ in $(seq "${STARTUP_ORT_RUNS:-5}"); do
            node "$HERE/peers/ort_bench.js" --threads 1 --runs 1 --warmup 0 "$m=$OUT/$onnx:$OUT/$input" 2>/dev/null
        done | "$PYTHON" -c 'import json,sys,statistics as st; r=[json.loads(l) for l in sys.stdin if l.startswith("{")]
print(json.dumps({"runtime":"onnxruntime-node","model":sys.argv[1],"runs":len(r),
 "session_create_ms":round(st.median(x["session_create_ms"] for x in r),3) if r else None,
 "session_create_min_ms":round(min(x["session_create_ms"] for x in r),3) if r else None,
 "first_run_ms":round(st.median(x["first_run_ms"] for x in r),3) if r else None}))' "$m"
    fi
done
