#!/usr/bin/env bash
# Installs into a scratch DESTDIR, builds a consumer program through pkg-config against both
# the static and the shared library, runs it, then checks `make uninstall` removes everything.
set -euo pipefail
cd "$(dirname "$0")/.."
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
make -s install DESTDIR="$d" PREFIX=/usr/local >/dev/null
for f in lib/libemoc.a lib/libemoc.so lib/libemoc.so.0 include/emoc.h include/emoc_abaw.h lib/pkgconfig/emoc.pc bin/emoc; do
  [ -e "$d/usr/local/$f" ] || { echo "install_check: missing $f"; exit 1; }
done
cat > "$d/consumer.c" <<'C'
#include <emoc.h>
#include <stdio.h>
int main(void) {
    emoc_isa isa;
    if (emoc_isa_resolve(EMOC_ISA_AUTO, &isa) != EMOC_OK) return 1;
    printf("%s %s\n", emoc_version_string(), emoc_isa_name(isa));
    return emoc_version_number() == EMOC_VERSION_NUMBER ? 0 : 1;
}
C
export PKG_CONFIG_SYSROOT_DIR="$d" PKG_CONFIG_LIBDIR="$d/usr/local/lib/pkgconfig"
cc -std=c11 "$d/consumer.c" $(pkg-config --cflags emoc) -o "$d/consumer_shared" $(pkg-config --libs emoc) -lm -pthread
LD_LIBRARY_PATH="$d/usr/local/lib" "$d/consumer_shared" >/dev/null
cc -std=c11 "$d/consumer.c" $(pkg-config --cflags emoc) -o "$d/consumer_static" "$d/usr/local/lib/libemoc.a" -lm -pthread
"$d/consumer_static" >/dev/null
"$d/usr/local/bin/emoc" --version >/dev/null
make -s uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null
left=$(find "$d/usr/local" -type f -o -type l | wc -l)
[ "$left" -eq 0 ] || { echo "install_check: uninstall left $left files"; exit 1; }
echo "install_check: 1 passed, 0 failed"
