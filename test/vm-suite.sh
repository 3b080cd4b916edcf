#!/usr/bin/env bash
# scon's integration suite: builds the test tools (test/tools/*) into
# out/tools, boots ONE VM with the given kernel (scripts/vm.sh) and runs
# test/suite-guest.sh in it, for iptables-nft and then iptables-legacy.
# Expects kmod/scon.ko and bin/sconctl built (make kmod sconctl); cases
# that need them fail without them.
#
#   test/vm-suite.sh --kernel KVER [--case NAME[,NAME...]] [--ipt nft|legacy|both]
#                    [--verbose] [--debug TREE --ko SCON_KO]
#
#   --debug  boot the debug kernel built in TREE (scripts/debug-kernel.sh,
#            `make test-debug`) with 2 GiB, case time limits times
#            $SCON_TIMEOUT_SCALE (default 4: KASAN under TCG is slow), and a
#            kmemleak scan after the last case that fails the run on any
#            leak; with scon.ko built for that tree (--ko)
#
# Topology in the guest (drawn in full in test/lib.sh):
#
#   ext 10.0.0.50 --veth-- up0 10.0.0.2  [VM = Docker host]  docker0 172.17.0.1
#                                                             |-- vethc1 -- c1 172.17.0.2
#                                                             `-- vethc2 -- c2 172.17.0.3
#
# CHURN_SECS, if set, goes to the guest (the churn case's duration).
#
# Output: per case "PASS name" or "FAIL name: reason", then
# "N passed, N failed"; exit status 1 if anything failed. Logs in out/vm.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/out/vm
kver=
kdir=
ko=
guest_args=()

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--debug) kdir=$2; shift 2 ;;
	--ko) ko=$2; shift 2 ;;
	--case | --ipt) guest_args+=("$1" "$2"); shift 2 ;;
	--verbose) guest_args+=("$1"); shift ;;
	*) usage ;;
	esac
done
[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" 6.1)
[ -n "$kdir" ] || [ -z "$ko" ] || usage

build_tools() {
	local dir
	mkdir -p "$top/out/tools"
	for dir in "$top"/test/tools/*/; do
		[ "$(basename "$dir")" != internal ] || continue	# shared code, no tool
		(cd "$top" && go build -o "out/tools/$(basename "$dir")" "./test/tools/$(basename "$dir")")
	done
}

warn_missing() {
	[ -f "${ko:-$top/kmod/scon.ko}" ] || echo "vm-suite: ${ko:-kmod/scon.ko} missing: the scon cases will fail (make kmod)" >&2
	[ -x "$top/bin/sconctl" ] || echo "vm-suite: bin/sconctl missing: the scon cases will fail (make sconctl)" >&2
}

# guest_died: the guest ended without a summary (panic, VM time limit):
# count what it reported and fail the rest.
guest_died() {
	local results=$out/results passed=0 failed=0
	[ ! -f "$results" ] || passed=$(grep -c '^PASS ' "$results" || true)
	[ ! -f "$results" ] || failed=$(grep -c '^FAIL ' "$results" || true)
	echo "FAIL vm: the guest died or hit the VM time limit (see $out/console.log, $out/dmesg.log)"
	echo "$passed passed, $((failed + 1)) failed"
}

# vm_args: how to boot. The debug kernel: more memory for KASAN's shadow
# and its quarantine, every KASAN report rather than the first only, time
# limits scaled for its slowness, scon.ko built for it, and the kmemleak
# check at the end.
# The whole suite takes about 50 minutes under TCG; the VM gets an hour.
vm_args=(--kernel "$kver" --timeout 3600)
guest_env=()
if [ -n "$kdir" ]; then
	scale=${SCON_TIMEOUT_SCALE:-4}
	[ -n "$ko" ] || usage
	ko=$(cd "$(dirname "$ko")" && pwd)/$(basename "$ko")
	vm_args=(--kdir "$kdir" --memory 2G --append kasan_multi_shot --timeout $((3600 * scale)))
	guest_env=(env "SCON_KO=$ko")
	guest_args+=(--timeout-scale "$scale" --kmemleak)
fi

build_tools
warn_missing
rm -rf "$out/logs" "$out/results"
rc=0
"$top/scripts/vm.sh" "${vm_args[@]}" --out "$out" -- \
	"${guest_env[@]}" test/suite-guest.sh --out "$out" "${guest_args[@]}" || rc=$?
[ "$rc" != 125 ] || guest_died
exit "$rc"
