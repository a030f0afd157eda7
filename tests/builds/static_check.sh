#!/usr/bin/env bash
# static_check.sh — build/static/emoc (make static) is fully static and runs with nothing
# installed: no program interpreter, no dynamic section, and run inside an empty root directory
# (chroot when root, else a bare environment) it prints its version and licence and decodes an
# image exactly as the normal build does. Prints its size.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/static/emoc
[ -x "$bin" ] || { echo "static_check: $bin missing (make static)" >&2; exit 1; }
if readelf -lW "$bin" | grep -q INTERP; then echo "static_check: $bin has a program interpreter" >&2; exit 1; fi
if readelf -dW "$bin" | grep -q NEEDED; then echo "static_check: $bin needs shared libraries" >&2; exit 1; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp "$bin" "$root/emoc"
cp tests/fixtures/image/png_rgb16.png "$root/in.png"
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
    run() { chroot "$root" /emoc "$@"; }
    where="an empty chroot"
else
    run() { (cd "$root" && env -i ./emoc "$@"); }
    where="an empty environment (not root: no chroot)"
fi
run --version > "$root/version.txt" && grep -q '^emoc ' "$root/version.txt" || { echo "static_check: --version failed" >&2; exit 1; }
run --license > "$root/license.txt" && cmp -s -n "$(stat -c %s LICENSE)" LICENSE "$root/license.txt" ||
    { echo "static_check: --license does not print LICENSE" >&2; exit 1; }
[ -e build/emoc ] || make -s all >/dev/null
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
    chroot "$root" /emoc decode /in.png -o /out.ppm
else
    (cd "$root" && env -i ./emoc decode in.png -o out.ppm)
fi
build/emoc decode tests/fixtures/image/png_rgb16.png -o "$root/want.ppm"
cmp "$root/out.ppm" "$root/want.ppm" || { echo "static_check: the static build decodes differently" >&2; exit 1; }
size=$(stat -c %s "$bin")
echo "static_check: $bin is static, runs in $where; $size bytes ($((size / 1024)) KiB)"
