#!/usr/bin/env bash
# criterion_aarch64.sh [ROOT] — Debian's aarch64 Criterion for `make test-qemu-full`
# (tests/qemu/criterion_cross.sh says how and why).
exec bash "$(dirname "$0")/criterion_cross.sh" arm64 "${1:-build/aarch64-criterion}"
