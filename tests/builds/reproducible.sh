#!/usr/bin/env bash
# reproducible.sh — builds the checked-out tree twice, in two different directories (different
# path lengths), at different times, with different umask, locale and time zone, and checks that
# build/libemoc.a, build/libemoc.so and build/emoc are bit-identical (docs/builds.md).
# SOURCE_DATE_EPOCH is the commit time, as a distribution would set it.
# Usage: bash tests/builds/reproducible.sh [MAKE ARGS...]   (e.g. CC=clang)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 1700000000)}
copy() { # the tracked files as they are in the working tree (CI: exactly the commit)
    mkdir -p "$1"
    git -C "$root" ls-files -z | (cd "$root" && tar --null -T - -cf -) | tar -xf - -C "$1"
}
a="$scratch/a"
b="$scratch/second-build/with/a/much/longer/path/emoc"
copy "$a"
(cd "$a" && umask 022 && LC_ALL=C TZ=UTC make -s -j2 all "$@" >/dev/null)
sleep 2 # different times: any embedded clock would differ by now
copy "$b"
(cd "$b" && umask 077 && LC_ALL=C.UTF-8 TZ=Asia/Kolkata make -s -j1 all "$@" >/dev/null)
fail=0
for f in libemoc.a libemoc.so emoc; do
    ha=$(sha256sum < "$a/build/$f" | cut -d' ' -f1)
    hb=$(sha256sum < "$b/build/$f" | cut -d' ' -f1)
    if [ "$ha" = "$hb" ]; then
        echo "reproducible: build/$f identical ($ha)"
    else
        echo "reproducible: build/$f DIFFERS between $a and $b" >&2
        cmp -l "$a/build/$f" "$b/build/$f" | head -5 >&2 || true
        fail=1
    fi
done
# A build path left in any output would make the copies differ only when the paths differ;
# also check it directly, so a path that happens to match cannot hide.
for f in libemoc.a libemoc.so emoc; do
    if grep -q -a -F "$b" "$b/build/$f"; then echo "reproducible: build/$f embeds its build path" >&2; fail=1; fi
done
exit $fail
