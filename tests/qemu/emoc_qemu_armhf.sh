#!/bin/sh
# emoc_qemu_armhf.sh — run the 32-bit ARM (armhf) emoc under qemu-arm, for tests and conformance
# that spawn $EMOC_BIN.  EMOC_ARMHF_BIN overrides the binary (default build/armhf/emoc).  As in
# emoc_qemu.sh, LD_LIBRARY_PATH pins the cross libc that goes with the cross loader.
here=$(cd "$(dirname "$0")/../.." && pwd)
exec qemu-arm -L /usr/arm-linux-gnueabihf -E LD_LIBRARY_PATH=/usr/arm-linux-gnueabihf/lib \
    "${EMOC_ARMHF_BIN:-$here/build/armhf/emoc}" "$@"
