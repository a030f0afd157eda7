#!/usr/bin/env bash
# ftz.sh MODEL.emw... — IEEE vs --ftz forward-pass time, interleaved (docs/reliability.md):
# ROUNDS rounds (default 5) of `emoc bench --threads 1 --runs RUNS` (default 30) per mode and
# model; prints every round's median_ms and the median of the round medians.
set -euo pipefail
bin=${EMOC_BIN:-build/emoc}
rounds=${ROUNDS:-5}
runs=${RUNS:-30}
for m in "$@"; do
  for mode in ieee ftz; do : > "/tmp/emoc_ftz_$$_$mode"; done
  for ((r = 0; r < rounds; r++)); do
    for mode in ieee ftz; do
      flag=(); [ "$mode" = ftz ] && flag=(--ftz)
      "$bin" bench -m "$m" --threads 1 --runs "$runs" --loads 0 "${flag[@]}" |
        awk '/^median_ms/{print $2}' >> "/tmp/emoc_ftz_$$_$mode"
    done
  done
  for mode in ieee ftz; do
    sort -g "/tmp/emoc_ftz_$$_$mode" | awk -v m="$m" -v mode="$mode" \
      '{v[NR]=$1; all=all" "$1} END {printf "%s %s median_ms %.3f rounds%s\n", m, mode, v[int((NR+1)/2)], all}'
    rm -f "/tmp/emoc_ftz_$$_$mode"
  done
done
