#!/usr/bin/env bash
# criterion_aarch64.sh — fetch Debian's real aarch64 Criterion into build/aarch64-criterion/root
# (used by `make cross-aarch64-full` / `make test-qemu-full`).
#
# Why not `apt-get install libcriterion-dev:arm64`: its dependencies libnanomsg5 and
# libnanomsg-dev/libhttp-parser-dev are not Multi-Arch: same, so installing it REMOVES the amd64
# libcriterion-dev that `make test` needs.  So: the co-installable parts come from multiarch
# (.ci/run: `dpkg --add-architecture arm64`, `apt-get install libgit2-1.5:arm64 libffi8:arm64`),
# and the three packages that fight are only downloaded (`apt-get download`, no root needed) and
# unpacked here: libcriterion-dev (headers, link library), libcriterion3, libnanomsg5.
# Idempotent: does nothing once the unpacked library is present.
set -euo pipefail
ROOT=${1:-build/aarch64-criterion}
lib="$ROOT/root/usr/lib/aarch64-linux-gnu"
[ -e "$lib/libcriterion.so.3" ] && [ -e "$lib/libnanomsg.so.5" ] && exit 0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "criterion_aarch64.sh: arm64 is not a dpkg architecture here; run (as root):" >&2
    echo "  dpkg --add-architecture arm64 && apt-get update && apt-get install libgit2-1.5:arm64 libffi8:arm64" >&2
    exit 1
fi
mkdir -p "$ROOT/debs"
(cd "$ROOT/debs" && apt-get download -q libcriterion-dev:arm64 libcriterion3:arm64 libnanomsg5:arm64)
for d in "$ROOT"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT/root"; done
for f in libgit2.so.1.5 libffi.so.8; do
    [ -e "/usr/lib/aarch64-linux-gnu/$f" ] || { echo "criterion_aarch64.sh: /usr/lib/aarch64-linux-gnu/$f missing: apt-get install libgit2-1.5:arm64 libffi8:arm64" >&2; exit 1; }
done
echo "aarch64 Criterion unpacked into $ROOT/root"
