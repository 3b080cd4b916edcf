#!/usr/bin/env bash
# Prints the directory to build modules for kernel release KVER in: its
# installed build directory, or the headers scripts/kernel.sh unpacked.
#
#   scripts/kdir.sh KVER
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:?usage: scripts/kdir.sh KVER}
for dir in "/lib/modules/$kver/build" "$top/.cache/kernels/root/usr/src/linux-headers-$kver"; do
	[ -f "$dir/Makefile" ] && { echo "$dir"; exit 0; }
done
echo "kdir.sh: no headers for $kver (scripts/kernel.sh SERIES fetches them)" >&2
exit 1
