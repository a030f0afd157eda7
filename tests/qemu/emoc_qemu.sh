#!/bin/sh
# emoc_qemu.sh — run the aarch64 emoc under qemu-user, for tests and conformance that spawn
# $EMOC_BIN (binfmt_misc is usually not registered on CI machines).  EMOC_AARCH64_BIN overrides
# the binary (default: build/aarch64/emoc next to this repository).
here=$(cd "$(dirname "$0")/../.." && pwd)
# The loader and libc must come from the same glibc build: -L gives the cross loader
# (libc6-arm64-cross), but where Debian's own arm64 libc6 is also installed (multiarch, for
# `make test-qemu-full`) that loader would otherwise find /lib/aarch64-linux-gnu/libc.so.6 through
# /etc/ld.so.cache, and the mismatch makes pthread_create loop forever (emoc --threads 2 hung).
# LD_LIBRARY_PATH (searched before the cache) pins the cross libc.
exec qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib \
    "${EMOC_AARCH64_BIN:-$here/build/aarch64/emoc}" "$@"
