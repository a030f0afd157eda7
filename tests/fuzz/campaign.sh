#!/usr/bin/env bash
# tests/fuzz/campaign.sh — the long fuzzing campaign (outside CI; docs/fuzzing.md).
#
# For each target (FUZZ_TARGETS, default all), one at a time: runs the libFuzzer binary built by
# tests/fuzz/run.sh for CAMPAIGN_SECONDS (default 300) on the committed seeds plus the corpus
# grown by earlier campaigns (build/fuzz/grown/<name>/, kept between runs), with a random seed,
# then keeps in tests/fuzz/corpus/<name>/grown/ (committed) the inputs that add coverage beyond
# the named seeds of tests/fuzz/corpus/<name>/ (libFuzzer -merge=1: a minimal set, the seeds
# themselves untouched; libFuzzer reads corpus folders recursively), trimmed to its smallest
# inputs up to CAMPAIGN_KEEP_BYTES (default 32 KiB). Prints one line per target:
#   name  wall_s  cpu_s  execs  corpus_files  corpus_bytes  result
# and appends it to build/fuzz/campaign.log (the figures docs/fuzzing.md adds up).
# Environment: CAMPAIGN_SECONDS, FUZZ_TARGETS, CAMPAIGN_RSS_MB (default 2048), CAMPAIGN_TIMEOUT
# (seconds per input, default 60: on a loaded machine a 10 s limit reported stalls, whose
# inputs then ran in milliseconds alone).
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${CAMPAIGN_SECONDS:-300}
OUT=build/fuzz
mkdir -p "$OUT"
# build every target (1 s run each replays the seeds)
FUZZ_SECONDS=1 FUZZ_SEED=1 bash tests/fuzz/run.sh >"$OUT/campaign-build.log" 2>&1 || {
    echo "campaign: tests/fuzz/run.sh failed (see $OUT/campaign-build.log)" >&2
    exit 1
}
# Keeps the committed grown set small: its smallest inputs up to KEEP bytes (the repository
# carries a few hundred KB of corpora in all; the full set stays in build/fuzz/grown/).
KEEP=${CAMPAIGN_KEEP_BYTES:-32768}
trim_grown() {
    local total=0 f sz
    while IFS=' ' read -r sz f; do
        if [ $((total + sz)) -le "$KEEP" ]; then total=$((total + sz)); else rm -f "$f"; fi
    done < <(find "$1" -type f -printf '%s %p\n' | sort -n -k1,1 -k2,2)
}

status=0
for tsrc in tests/fuzz/fuzz_*.c; do
    name=$(basename "$tsrc" .c)
    name=${name#fuzz_}
    if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $name "* ]]; then continue; fi
    bin="$OUT/fuzz_$name"
    grown="$OUT/grown/$name"
    seeds="tests/fuzz/corpus/$name"
    mkdir -p "$grown" "$seeds"
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
    log="$OUT/campaign_$name.log"
    start=$(date +%s)
    # CPU time of the fuzzer alone (user + system), from GNU time
    ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
        /usr/bin/time -f "cpu %U %S" -o "$log.time" \
        "$bin" -max_total_time="$SECS" -rss_limit_mb="${CAMPAIGN_RSS_MB:-2048}" -timeout="${CAMPAIGN_TIMEOUT:-60}" \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$name-" "${dict[@]}" \
        "$grown" "$seeds" >"$log" 2>&1
    rc=$?
    wall=$(( $(date +%s) - start ))
    cpu=$(awk '/^cpu/ {printf "%.0f", $2 + $3}' "$log.time")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    result=ok
    if [ $rc -ne 0 ]; then # re-run the artifact alone (fuzz_NAME ARTIFACT) before believing a timeout
        result="FAILED rc=$rc (log $log)"
        status=1
    fi
    if [ -n "$execs" ]; then # the inputs this run found are kept either way
        # minimise: the named seeds first (so only what they miss is added), then the
        # committed grown set and this campaign's inputs
        merged="$OUT/merged/$name"
        rm -rf "$merged"
        mkdir -p "$merged"
        find "$seeds" -maxdepth 1 -type f -exec cp {} "$merged/" \;
        ls "$merged" >"$merged.seeds"
        mkdir -p "$seeds/grown"
        if "$bin" -merge=1 -rss_limit_mb=2048 -timeout=10 "$merged" "$seeds/grown" "$grown" >"$log.merge" 2>&1; then
            rm -rf "$seeds/grown"
            mkdir -p "$seeds/grown"
            for f in "$merged"/*; do
                grep -qxF "$(basename "$f")" "$merged.seeds" || mv "$f" "$seeds/grown/"
            done
            trim_grown "$seeds/grown"
        else
            result="merge failed (log $log.merge)"
            status=1
        fi
    fi
    files=$(find "$seeds/grown" -type f | wc -l)
    bytes=$(find "$seeds/grown" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    line=$(printf '%-11s wall %5ss cpu %5ss execs %10s grown corpus %4s files %8s bytes  %s' \
        "$name" "$wall" "${cpu:-?}" "${execs:-?}" "$files" "$bytes" "$result")
    echo "$line"
    echo "$(date -u +%FT%TZ) $line" >>"$OUT/campaign.log"
done
exit $status
