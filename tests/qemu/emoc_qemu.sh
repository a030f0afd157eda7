#!/bin/sh
# emoc_qemu.sh — run the aarch64 emoc under qemu-user, for tests and conformance that spawn
# $EMOC_BIN (binfmt_misc is usually not registered on CI machines).  EMOC_AARCH64_BIN overrides
# the binary (default: build/aarch64/emoc next to this repository).
here=$(cd "$(dirname "$0")/../.." && pwd)
exec qemu-aarch64 -L /usr/aarch64-linux-gnu "${EMOC_AARCH64_BIN:-$here/build/aarch64/emoc}" "$@"
