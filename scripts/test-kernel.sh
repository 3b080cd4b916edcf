#!/usr/bin/env bash
# Runs the VM suite on one Debian kernel series: fetches the kernel if it is
# another suite's (scripts/kernel.sh), rebuilds kmod/scon.ko for it and boots
# it. kmod/scon.ko is left built for that kernel.
#
#   scripts/test-kernel.sh SERIES [--case NAME[,NAME...]] [--ipt nft|legacy|both]
#
# SERIES: 5.10, 6.1 or 6.12. Without --case, the whole suite.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:?usage: scripts/test-kernel.sh 5.10|6.1|6.12 [vm-suite options]}
shift

kver=$("$top/scripts/kernel.sh" "$series")
kdir=$("$top/scripts/kdir.sh" "$kver")
echo "test-kernel: $series is $kver, headers in $kdir"

# Objects built for another kernel must not be linked into this one.
make -s -C "$top/kmod" KDIR="$kdir" clean
make -C "$top/kmod" KDIR="$kdir"
"$top/test/vm-suite.sh" --kernel "$kver" "$@"
