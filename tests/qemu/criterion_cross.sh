#!/usr/bin/env bash
# criterion_cross.sh DEBARCH [ROOT] — fetch Debian's real Criterion for a foreign architecture
# (arm64 for `make test-qemu-full`, armhf for `make test-qemu-armhf`) into ROOT/root
# (default build/<debarch>-criterion).
#
# Why not `apt-get install libcriterion-dev:DEBARCH`: its dependencies libnanomsg5 and
# libnanomsg-dev/libhttp-parser-dev are not Multi-Arch: same, so installing it REMOVES the amd64
# libcriterion-dev that `make test` needs.  So: the co-installable parts come from multiarch
# (.ci/run: `dpkg --add-architecture DEBARCH`, `apt-get install libgit2-1.5:DEBARCH libffi8:DEBARCH`),
# and the three packages that fight are only downloaded (`apt-get download`, no root needed) and
# unpacked here: libcriterion-dev (headers, link library), libcriterion3, libnanomsg5.
# Idempotent: does nothing once the unpacked library is present.
set -euo pipefail
ARCH=${1:?usage: criterion_cross.sh arm64|armhf [ROOT]}
case "$ARCH" in
    arm64) TRIPLET=aarch64-linux-gnu ;;
    armhf) TRIPLET=arm-linux-gnueabihf ;;
    *) echo "criterion_cross.sh: unknown architecture '$ARCH' (arm64 or armhf)" >&2; exit 2 ;;
esac
ROOT=${2:-build/$ARCH-criterion}
lib="$ROOT/root/usr/lib/$TRIPLET"
[ -e "$lib/libcriterion.so.3" ] && [ -e "$lib/libnanomsg.so.5" ] && exit 0
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
    echo "criterion_cross.sh: $ARCH is not a dpkg architecture here; run (as root):" >&2
    echo "  dpkg --add-architecture $ARCH && apt-get update && apt-get install libgit2-1.5:$ARCH libffi8:$ARCH" >&2
    exit 1
fi
mkdir -p "$ROOT/debs"
(cd "$ROOT/debs" && apt-get download -q "libcriterion-dev:$ARCH" "libcriterion3:$ARCH" "libnanomsg5:$ARCH")
for d in "$ROOT"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT/root"; done
for f in libgit2.so.1.5 libffi.so.8; do
    [ -e "/usr/lib/$TRIPLET/$f" ] || { echo "criterion_cross.sh: /usr/lib/$TRIPLET/$f missing: apt-get install libgit2-1.5:$ARCH libffi8:$ARCH" >&2; exit 1; }
done
echo "$ARCH Criterion unpacked into $ROOT/root"
