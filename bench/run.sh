#!/usr/bin/env bash
# bench/run.sh — `make bench`: emoc latency next to ONNX Runtime and PyTorch on the same models.
#
# For each model in tools/reference/models.txt (the ones whose C side has landed), one after the
# other so that emoc and its peers see the same machine load: times the model's reference net in
# the peers (bench/peers/run_peers.sh: ONNX Runtime with the batch fixed to 1, its fast case, and
# PyTorch eager), converts the replica with `$EMOC_BIN convert` and runs
# `$EMOC_BIN bench -m X.emw --threads T --runs R --json --roofline-ms F` at T = 1 and 2 (F: the
# fp32 floor of bench/roofline.tsv). Prints one table: medians, emoc/ORT ratios, the 2-thread
# speed-up of each runtime and emoc's distance to the floor, then emoc's per-kernel shares.
# Then a start-up table (docs/startup.md): emoc's load_ms / first_run_ms / peak RSS from
# `emoc bench`, the wall time and peak RSS of a one-image `emoc predict` (bench/startup.py),
# next to ONNX Runtime's session-creation time and first run.
# If `emoc bench` is not implemented yet (or fails) that is printed, and the peer numbers still are.
#
# env: EMOC_BIN (required), PYTHON (/usr/bin/python3), BENCH_RUNS (50), BENCH_THREADS ("1 2"),
#      BENCH_MODELS ("name ..." of tools/reference/models.txt; default: all listed there),
#      BENCH_PER_OP (1: also a per-op trace run at 1 thread, BENCH_PER_OP_RUNS=40 runs),
#      EMOC_REF_MODELS (a models list instead of tools/reference/models.txt),
#      PEERS_TORCH (1; 0 skips PyTorch, which is slow here), ORT_STATIC (1; 0 = ORT on the graph
#      as exported, dynamic batch), BENCH_JSON=FILE (also save all rows),
#      BENCH_BEFORE=FILE (a BENCH_JSON of an earlier run: per-kernel shares before / after),
#      BENCH_DTYPES ("fp32 bf16 int8": emoc's precisions; bf16/int8 time the files of
#      `emoc convert --dtype bf16` and `--dtype int8 --calib` (calibrated on the net's three
#      conformance inputs), docs/precision.md; rows MODEL/bf16, MODEL/int8, compared with ORT fp32),
#      BENCH_STARTUP_RUNS (15: one-image predict runs per model; 0 skips them).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REF="$ROOT/tools/reference"
OUT="$REF/out"
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS=${BENCH_RUNS:-50}
THREADS=${BENCH_THREADS:-1 2}
export ORT_STATIC=${ORT_STATIC:-1}
DTYPES=${BENCH_DTYPES:-fp32 bf16 int8}
: "${EMOC_BIN:?set EMOC_BIN to the emoc binary}"

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

models=()
if [ -n "${BENCH_MODELS:-}" ]; then
    read -r -a models <<<"$BENCH_MODELS"
else
    while read -r m _; do
        case "$m" in ''|'#'*) continue ;; esac
        case " ${models[*]:-} " in *" $m "*) continue ;; esac
        models+=("$m")
    done <"${EMOC_REF_MODELS:-$REF/models.txt}"
fi

# Installs ORT and generates tools/reference/out when it is stale.
PYTHON=$PYTHON bash "$HERE/peers/run_peers.sh" --prepare || echo "bench: peer preparation FAILED (see above)"

# The fp32 floor of a model at T threads (bench/roofline.tsv, longest matching name prefix).
roofline() {
    awk -F'\t' -v m="$1" -v t="$2" '!/^#/ && $2 == t && index(m, $1) == 1 && length($1) > best \
        { best = length($1); f = $3 } END { if (best) print f }' "$HERE/roofline.tsv"
}

if [ ${#models[@]} -eq 0 ]; then
    echo "emoc: no model listed in tools/reference/models.txt yet; nothing of emoc's to time."
fi
mkdir -p "$OUT/bench"
peered=" "
for m in "${models[@]}"; do
    line=$(awk -F'\t' -v n="$m" '$1 == n' "$OUT/manifest.tsv")
    if [ -z "$line" ]; then echo "emoc $m: not in $OUT/manifest.tsv"; continue; fi
    IFS=$'\t' read -r _ net file _ <<<"$line"
    if [[ "$peered" != *" $net "* ]]; then
        echo "== $net: ONNX Runtime$([ "${PEERS_TORCH:-1}" = 1 ] && echo " and PyTorch"), $RUNS runs after warm-up =="
        PEERS_RUNS=$RUNS PEERS_THREADS=$(echo $THREADS | tr ' ' ',') PYTHON=$PYTHON \
            bash "$HERE/peers/run_peers.sh" "$net" >>"$rows" || echo "bench: peer run of $net FAILED (see above)"
        peered+="$net "
    fi
    echo "== emoc $m =="
    emw="$OUT/bench/$m.emw"
    if ! "$EMOC_BIN" convert "$OUT/$file" -o "$emw" >"$OUT/bench/$m.convert.log" 2>&1; then
        echo "emoc $m: convert FAILED: $(head -3 "$OUT/bench/$m.convert.log")"
        continue
    fi
    # one pass per precision: fp32, then the converted bf16 / int8 files (EMW 1.2)
    emw_fp32=$emw
    for dt in $DTYPES; do
    gd=; label=$m; emw=$emw_fp32
    if [ "$dt" != fp32 ]; then
        label=$m/$dt; emw="$OUT/bench/$m.$dt.emw"; calib=()
        if [ "$dt" = int8 ]; then
            mkdir -p "$OUT/bench/$m.calib"
            cp "$OUT/$net".{face,gradient,noise}.f32 "$OUT/bench/$m.calib/" 2>/dev/null
            calib=(--calib "$OUT/bench/$m.calib")
        fi
        if ! "$EMOC_BIN" convert --dtype "$dt" "${calib[@]}" "$OUT/$file" -o "$emw" \
                >"$OUT/bench/$m.$dt.convert.log" 2>&1; then
            echo "emoc $label: convert FAILED: $(head -3 "$OUT/bench/$m.$dt.convert.log")"
            continue
        fi
    fi
    for t in $THREADS; do
        floor=$(roofline "$m" "$t")
        if ! EMOC_GEMM_DTYPE=$gd "$EMOC_BIN" bench -m "$emw" --threads "$t" --runs "$RUNS" --json \
                ${floor:+--roofline-ms "$floor"} >"$OUT/bench/$m.$dt.t$t.json" 2>"$OUT/bench/$m.$dt.t$t.err"; then
            if grep -qi "not implemented" "$OUT/bench/$m.$dt.t$t.err"; then
                echo "emoc bench: NOT IMPLEMENTED yet ($(head -1 "$OUT/bench/$m.$dt.t$t.err")) — peer numbers only"
                break 3
            fi
            echo "emoc $label threads $t: bench FAILED: $(head -3 "$OUT/bench/$m.$dt.t$t.err")"
            continue
        fi
        # CPU time per run from outside (robust to a loaded machine; see peers/cpu_per_run.py).
        cpu=$(EMOC_GEMM_DTYPE=$gd "$PYTHON" "$HERE/peers/cpu_per_run.py" "$EMOC_BIN" "$emw" "$t" 5 25 2>/dev/null || echo '{}')
        "$PYTHON" - "$OUT/bench/$m.$dt.t$t.json" "$label" "$net" "$t" "$cpu" >>"$rows" <<'EOF' \
            || echo "emoc $label threads $t: unreadable bench output: $(head -c 300 "$OUT/bench/$m.$dt.t$t.json")"
import json, sys
path, model, net, threads, cpu = sys.argv[1:]
obj = None
for line in open(path):
    line = line.strip()
    if line.startswith("{"):
        obj = json.loads(line)
if obj is None or "median_ms" not in obj:
    sys.exit(1)
obj.update(runtime="emoc", model=model, net=net, threads=int(obj.get("threads", threads)))
cpu = json.loads(cpu or "{}").get("cpu_per_run_ms")
if cpu is not None:
    obj["cpu_median_ms"] = cpu
print(json.dumps(obj))
EOF
    done
    done
    emw=$emw_fp32
    # One-image start-up: the whole `emoc predict` process on the face image (page cache warm).
    if [ "${BENCH_STARTUP_RUNS:-15}" -gt 0 ]; then
        face="$ROOT/../shared/data/face.png"
        [ -f "$face" ] || face=/work/shared/data/face.png
        su=$("$PYTHON" "$HERE/startup.py" "$EMOC_BIN" "$emw" "$face" "${BENCH_STARTUP_RUNS:-15}" 2>&1)
        "$PYTHON" - "$su" "$m" "$net" >>"$rows" <<'EOF' || echo "emoc $m: startup run failed: $su"
import json, sys
obj = json.loads(sys.argv[1])
obj.update(runtime="emoc-startup", model=sys.argv[2], net=sys.argv[3])
print(json.dumps(obj))
EOF
    fi
    # Per-op breakdown (trace hook) at 1 thread, in a separate run so tracing never touches the
    # latencies above.
    if [ "${BENCH_PER_OP:-1}" = 1 ] && "$EMOC_BIN" bench -m "$emw" --threads 1 --runs "${BENCH_PER_OP_RUNS:-40}" \
            --json --per-op >"$OUT/bench/$m.perop.json" 2>"$OUT/bench/$m.perop.err"; then
        "$PYTHON" - "$OUT/bench/$m.perop.json" "$m" >>"$rows" <<'EOF' || true
import json, sys
for line in open(sys.argv[1]):
    if line.strip().startswith("{"):
        obj = json.loads(line)
        if "ops" in obj:
            print(json.dumps({"runtime": "emoc-per-op", "model": sys.argv[2], "isa": obj.get("isa"),
                              "ops": obj["ops"]}))
EOF
    fi
done

[ -n "${BENCH_JSON:-}" ] && cp "$rows" "$BENCH_JSON"
echo
"$PYTHON" "$HERE/peers/table.py" "$rows" ${BENCH_BEFORE:+"$BENCH_BEFORE"}
