#!/usr/bin/env bash
# tests/fuzz/run.sh — builds and runs every libFuzzer target tests/fuzz/fuzz_*.c (`make fuzz`).
#
# Each target is linked with clang -fsanitize=fuzzer,address,undefined against all library
# sources (engine/*/*.c engine/kernels/*/*.c weights/*.c nets/*.c post/*.c, plus the test net
# tests/core/tinynet_net.c so EMW seeds of arch "tinynet" reach the plan builder; *_avx2.c,
# *_avx512.c, *_x86crypto.c, *_vpclmul.c with their ISA flags (the kernels at -O0) on x86-64,
# *_neon.c and *_armcrypto.c skipped), then run for FUZZ_SECONDS on a
# working copy of its seed corpus tests/fuzz/corpus/<name>/ (fuzz_<name>.c), in the git-ignored
# tests/fuzz/corpus-run/<name>/ (new inputs accumulate there, the committed seeds stay small).
# An optional dictionary tests/fuzz/<name>.dict is passed with -dict=.
# Prints, per target, the seconds run, executions and result; exits non-zero on any crash, leak,
# timeout or build failure. Artifacts (crash-*, leak-*, timeout-*) go to build/fuzz/artifacts/.
# Environment: FUZZ_SECONDS (default 60), FUZZ_CC (default clang), FUZZ_TARGETS (names to run,
# default all), FUZZ_JOBS (parallel compiles, default 2), FUZZ_SEED (libFuzzer -seed; unset = a
# random seed each run, for exploration. CI sets it so that its 60 s are a replayable prefix of
# a longer run done before landing with the same seed: a CI failure is then always reproducible).
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${FUZZ_SECONDS:-60}
CC=${FUZZ_CC:-clang}
JOBS=${FUZZ_JOBS:-2}
OUT=build/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
BASE="-std=c11 -g -O1 -Iinclude -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread"
BASE="$BASE -DEMOC_VERSION_STRING=\"${VERSION:-0.0.0}\""
ISA_AVX2="-mavx2 -mfma -mf16c"
ISA_AVX512="-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c"
# Same per-file ISA flags as the Makefile's ISA_X86CRYPTO / ISA_VPCLMUL (hash acceleration).
ISA_X86CRYPTO="-msse4.1 -mpclmul -msha"
ISA_VPCLMUL="-mavx512f -mvpclmulqdq -mpclmul -msse4.1"

if ! command -v "$CC" >/dev/null; then
    echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
mkdir -p "$OUT/obj" "$OUT/artifacts" tests/fuzz/corpus-run

# ---- library objects (instrumented, no libFuzzer main) ----
arch=$(uname -m)
srcs=()
for f in engine/*/*.c engine/kernels/*/*.c weights/*.c nets/*.c post/*.c tests/core/tinynet_net.c; do
    [ -f "$f" ] || continue
    case "$f" in
        *_neon.c | *_armcrypto.c) continue ;;
        *_avx2.c | *_avx512.c | *_x86crypto.c | *_vpclmul.c) [ "$arch" = x86_64 ] || continue ;;
    esac
    srcs+=("$f")
done
extra_flags=""
[ "$arch" = x86_64 ] || extra_flags="-DEMOC_ISA_REF_ONLY"

compile_one() { # src obj
    local flags="$BASE $SAN -fsanitize=fuzzer-no-link $extra_flags"
    # ISA kernels are built at -O0 (still instrumented): with ASan+UBSan, clang -O1 spends
    # 10+ minutes and 2 GB on the unrolled always_inline AVX-512 kernels, and no loader or
    # decoder target runs a kernel; at -O0 they compile in about a second.
    case "$1" in
        *_avx2.c) flags="$flags $ISA_AVX2 -O0" ;;
        *_avx512.c) flags="$flags $ISA_AVX512 -O0" ;;
        *_x86crypto.c) flags="$flags $ISA_X86CRYPTO" ;;
        *_vpclmul.c) flags="$flags $ISA_VPCLMUL" ;;
    esac
    mkdir -p "$(dirname "$2")"
    # shellcheck disable=SC2086
    "$CC" $flags -c "$1" -o "$2"
}
export -f compile_one
export CC BASE SAN ISA_AVX2 ISA_AVX512 ISA_X86CRYPTO ISA_VPCLMUL extra_flags

objs=()
todo=()
for s in "${srcs[@]}"; do
    o="$OUT/obj/${s%.c}.o"
    objs+=("$o")
    # Rebuild when the source or any header is newer than the object.
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find include engine weights nets post -name '*.h' -newer "$o" -print -quit 2>/dev/null)" ]; then
        todo+=("$s" "$o")
    fi
done
if [ ${#todo[@]} -gt 0 ]; then
    echo "fuzz: compiling $(( ${#todo[@]} / 2 )) library sources with $CC"
    if ! printf '%s\n' "${todo[@]}" | xargs -n 2 -P "$JOBS" bash -c 'compile_one "$0" "$1"'; then
        echo "fuzz: library build failed" >&2
        exit 1
    fi
fi

# Link through an archive, as the normal build does, so only the objects a target needs are
# pulled in (a half-finished module elsewhere cannot break an unrelated target).
lib="$OUT/libemoc_fuzz.a"
rm -f "$lib"
if ! ar rcs "$lib" "${objs[@]}"; then
    echo "fuzz: ar failed" >&2
    exit 1
fi

# ---- targets ----
status=0
summary=()
for tsrc in tests/fuzz/fuzz_*.c; do
    [ -f "$tsrc" ] || continue
    name=$(basename "$tsrc" .c)
    name=${name#fuzz_}
    if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $name "* ]]; then continue; fi
    bin="$OUT/fuzz_$name"
    # shellcheck disable=SC2086
    if ! "$CC" $BASE $SAN -fsanitize=fuzzer $extra_flags "$tsrc" "$lib" -lm -o "$bin"; then
        summary+=("$(printf '%-12s %6s s %12s execs  BUILD FAILED' "$name" 0 0)")
        status=1
        continue
    fi
    run="tests/fuzz/corpus-run/$name"
    rm -rf "$run"
    mkdir -p "$run"
    if [ -d "tests/fuzz/corpus/$name" ]; then cp -r "tests/fuzz/corpus/$name/." "$run/"; fi
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
    seed=()
    [ -n "${FUZZ_SEED:-}" ] && seed=("-seed=$FUZZ_SEED")
    log="$OUT/fuzz_$name.log"
    start=$(date +%s)
    ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
        "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$OUT/artifacts/$name-" "${dict[@]}" "${seed[@]}" "$run" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    [ -n "$execs" ] || execs="?"
    if [ $rc -eq 0 ]; then
        result="ok"
    else
        status=1
        if grep -q "LeakSanitizer" "$log"; then result="LEAK"
        elif grep -q "libFuzzer: timeout" "$log"; then result="TIMEOUT"
        elif grep -q "out-of-memory" "$log"; then result="OOM"
        elif grep -q "runtime error" "$log"; then result="UB"
        else result="CRASH"; fi
        result="$result (rc=$rc, log $log, artifacts $OUT/artifacts/$name-*)"
        echo "---- fuzz_$name failure, last lines of $log ----" >&2
        tail -40 "$log" >&2
    fi
    summary+=("$(printf '%-12s %6s s %12s execs  %s' "$name" "$secs" "$execs" "$result")")
done

echo "fuzz summary (FUZZ_SECONDS=$SECS, FUZZ_SEED=${FUZZ_SEED:-random}):"
for line in "${summary[@]}"; do echo "  $line"; done
[ ${#summary[@]} -gt 0 ] || { echo "  no targets"; status=1; }
exit $status
