#!/usr/bin/env bash
# check_exports.sh LIB.so [LIB.a] — the shared library's dynamic symbol table lists exactly the
# functions that include/emoc.h and include/emoc_abaw.h declare (EMOC_API): no internal symbol
# leaks, no public function is missing; and the static library holds no converter code (weights/
# goes to libemoc_convert.a). Prints the differences; exit 1 when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=${1:-build/libemoc.so}
bare=$(grep -nE '^[a-z][a-z_ ]*[ *]emoc_[a-z0-9_]+\(' include/*.h || true)
[ -z "$bare" ] || { echo "check_exports: public declarations without EMOC_API:"; echo "$bare"; exit 1; }
declared=$(grep -ohE 'EMOC_API [^(]*\(' include/*.h | grep -oE '\bemoc_[a-z0-9_]+\($' | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
[ -z "$extra" ] || echo "check_exports: $lib exports undeclared symbols:" $extra
[ -z "$missing" ] || echo "check_exports: $lib lacks declared functions:" $missing
[ -z "$extra$missing" ] || exit 1
echo "check_exports: $(echo "$exported" | wc -l) symbols, all declared in include/"
static=${2:-${lib%.so}.a}
conv=$(nm --defined-only "$static" 2>/dev/null | awk 'NF == 3 {print $3}' |
       grep -E '^emoc__(onnx|pth|convert|pickle|zip)_' || true)
[ -z "$conv" ] || { echo "check_exports: $static holds converter code:" $conv; exit 1; }
# internal functions use emoc__ (or static): a global emoc_ function include/ does not declare
# would be hidden from the .so but still claim the public prefix
stray=$(nm --defined-only "$static" 2>/dev/null | awk 'NF == 3 && $2 == "T" {print $3}' | grep -E '^emoc_[a-z0-9]' |
        sort -u | comm -23 - <(echo "$declared") || true)
[ -z "$stray" ] || { echo "check_exports: $static defines undeclared emoc_ functions (name them emoc__):" $stray; exit 1; }
echo "check_exports: $static has no converter symbols ($(ar t "$static" | wc -l) objects)"
