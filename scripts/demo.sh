#!/usr/bin/env bash
# Shows what scon changes on a Docker-style host: builds the test tool the
# demo needs, boots one VM (scripts/vm.sh) and runs scripts/demo-guest.sh in
# it, which measures the same traffic without and then with scon and prints
# a before/after table. `make demo` builds kmod/scon.ko and bin/sconctl first.
#
#   scripts/demo.sh [--kernel KVER] [--out DIR]
#
#   --kernel   release to boot, default: newest installed 6.1 (scripts/kver.sh)
#   --out      where the guest writes its logs, default out/demo
#
# The whole run is bounded: the VM is killed after 8 minutes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=
out=$top/out/demo

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" 6.1)

cd "$top"
for f in kmod/scon.ko bin/sconctl; do
	[ -e "$f" ] || { echo "demo.sh: $f missing (make kmod sconctl)" >&2; exit 1; }
done
for t in iperf3 jq; do
	command -v "$t" >/dev/null || { echo "demo.sh: $t missing (make setup)" >&2; exit 1; }
done
mkdir -p out/tools
echo "+ go build -o out/tools/rtt ./test/tools/rtt"
${GO:-go} build -o out/tools/rtt ./test/tools/rtt

rm -rf "$out/log"
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)
rc=0
scripts/vm.sh --kernel "$kver" --out "$out" --timeout 480 -- \
	bash scripts/demo-guest.sh "$out" || rc=$?
echo "demo.sh: $(($(date +%s) - start)) s in the VM, logs in ${out#"$top"/}/log"
exit "$rc"
