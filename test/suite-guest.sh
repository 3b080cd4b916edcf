#!/usr/bin/env bash
# scon's VM suite, guest side: runs every case (test/cases/*.sh) for each
# iptables flavour and, per case, without and with scon, in a fresh copy of
# the Docker-like topology (drawn in test/lib.sh):
#
#   ext 10.0.0.50 -- up0 10.0.0.2 [host] docker0 172.17.0.1 -- c1 .2, c2 .3
#
# Prints "PASS name", "FAIL name: reason" or "SKIP name: reason" per case
# (name = case/flavour/mode) and ends with "N passed, N failed". A case
# also fails when the kernel log gains a line matching $DMESG_BAD while it
# runs. Full logs: OUT/logs/NAME/case.log; kernel log: OUT/dmesg.log.
#
#   test/suite-guest.sh [--ipt nft|legacy|both] [--case NAME[,NAME...]]
#                       [--out DIR] [--verbose] [--timeout-scale N] [--kmemleak]
#
#   --timeout-scale  multiply every case's time limit by N (slow kernels)
#   --kmemleak       (a kernel with CONFIG_DEBUG_KMEMLEAK) after the last
#                    case, scan for leaks and fail the run, as case
#                    "kmemleak", if any object allocated since the start
#                    is reported; the report goes to OUT/kmemleak.txt
#
# Run it as root in a VM (test/vm-suite.sh does): it changes the network.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
# A debug kernel's reports start with BUG: (KASAN, sleeping in atomic
# context) or WARNING: (lockdep); a fault in KASAN's shadow check prints
# "general protection fault" and "KASAN: null-ptr-deref" without either.
DMESG_BAD='BUG|WARNING|Oops|refcount|leak|unregister_netdevice: waiting|general protection fault|KASAN:'
ipts="iptables-nft iptables-legacy"
cases=
out=$TOP/out/vm
verbose=0
timeout_scale=1
kmemleak=0
passed=0
failed=0

usage() {
	sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d' >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--ipt) ipts=$(flavours "$2") || usage; shift 2 ;;
		--case) cases=${2//,/ }; shift 2 ;;
		--out) out=$2; shift 2 ;;
		--verbose) verbose=1; shift ;;
		--timeout-scale) timeout_scale=$2; shift 2 ;;
		--kmemleak) kmemleak=1; shift ;;
		*) usage ;;
		esac
	done
	[ -n "$cases" ] || cases=$(all_cases)
}

flavours() {
	case $1 in
	nft) echo iptables-nft ;;
	legacy) echo iptables-legacy ;;
	both) echo iptables-nft iptables-legacy ;;
	*) return 1 ;;
	esac
}

# all_cases: the cases below in this order (cheap and basic first), then
# any other file in test/cases, such as the field cases, by name. The
# opt-in cases run only when --case names them: packages compiles scon
# with DKMS under TCG, which takes longer than the suite can spend
# (make test-packages runs it).
all_cases() {
	local order="smoke express integrity nat droprule ctflush mtu recreate lifecycle netlink"
	local optin="packages"
	local f name
	echo "$order"
	for f in "$TOP"/test/cases/*.sh; do
		name=$(basename "$f" .sh)
		[[ " $order $optin " == *" $name "* ]] || echo "$name"
	done
}

# case_setting CASE VAR DEFAULT: a variable the case file sets.
case_setting() {
	(
		# shellcheck disable=SC1090
		. "$TOP/test/cases/$1.sh"
		echo "${!2:-$3}"
	)
}

# prepare: the tools go to the guest's tmpfs, where they start much faster
# than from the host's filesystem under TCG.
prepare() {
	local bin=/tmp/scon-bin
	mkdir -p "$bin" "$out/logs"
	cp "$TOP"/out/tools/* "$bin"/ || { echo "suite: no test tools in out/tools" >&2; exit 1; }
	[ ! -x "$TOP/bin/sconctl" ] || cp "$TOP/bin/sconctl" "$bin/"
	export TOOLS=$bin
	[ ! -x "$bin/sconctl" ] || export SCONCTL=$bin/sconctl
	rm -f "$out/results"
	dmesg -w >"$out/dmesg.log" 2>&1 &
	dmesg_pid=$!
	# shellcheck disable=SC2086 # one line, words as cases
	echo "suite: kernel $(uname -r), cases:" $cases
}

# run_one CASE IPT MODE: one case in its own process, then the checks the
# case cannot do itself (time limit, kernel log, leftovers).
run_one() {
	local case=$1 ipt=$2 mode=$3 name rc=0 reason limit t0
	name=$case/${ipt#iptables-}/$mode
	limit=$(($(case_setting "$case" CASE_TIMEOUT 300) * timeout_scale))
	export LOGDIR=/tmp/scon-test/${name//\//-}
	rm -rf "$LOGDIR"
	mkdir -p "$LOGDIR"
	echo "scon-test: begin $name" >/dev/kmsg
	t0=$SECONDS
	if [ "$verbose" = 1 ]; then
		timeout -k 10 "$limit" "$TOP/test/run-case.sh" "$case" "$ipt" "$mode" 2>&1 |
			tee "$LOGDIR/case.log"
		rc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$limit" "$TOP/test/run-case.sh" "$case" "$ipt" "$mode" \
			>"$LOGDIR/case.log" 2>&1 || rc=$?
	fi
	echo "scon-test: end $name" >/dev/kmsg
	reason=$(verdict "$rc" "$limit")
	reason=$(join "$reason" "$(leftovers "$ipt")")
	reason=$(join "$reason" "$(kernel_complaints "$name")")
	report "$name" "$rc" "$reason" $((SECONDS - t0))
	mkdir -p "$out/logs/${name//\//-}"
	cp -r "$LOGDIR"/. "$out/logs/${name//\//-}/"
}

verdict() {
	case $1 in
	0 | 77) ;;
	124 | 137) echo "timed out after $2 s" ;;
	1) head -n 3 "$LOGDIR/fails" 2>/dev/null | paste -sd ';' | grep . || echo "exit 1" ;;
	*) echo "case script exit status $1" ;;
	esac
}

# leftovers IPT: a case that died may leave scon or the topology behind;
# clean up so that the next case starts fresh, and say what was left.
leftovers() {
	local left=
	if grep -q '^scon ' /proc/modules; then
		left="scon still loaded"
		timeout 30 rmmod scon >>"$LOGDIR/case.log" 2>&1 || left="$left, rmmod failed"
	fi
	if [ -e /sys/class/net/docker0 ] || ip netns list | grep -q .; then
		left=$(join "$left" "topology left behind")
		(IPT=$ipt LOGDIR=$LOGDIR CASE_FAILS=/dev/null CASE_PIDS=/dev/null \
			. "$TOP/test/lib.sh" && topo_down) \
			>>"$LOGDIR/case.log" 2>&1
	fi
	echo "$left"
}

# kernel_complaints NAME: kernel log lines of this case matching DMESG_BAD.
kernel_complaints() {
	local bad
	bad=$(dmesg | sed -n "/scon-test: begin ${1//\//\\/}\$/,\$p" | grep -E "$DMESG_BAD")
	[ -z "$bad" ] || echo "dmesg: $(head -n 1 <<<"$bad")"
	[ -z "$bad" ] || sed 's/^/  dmesg: /' <<<"$bad" >>"$LOGDIR/case.log"
}

join() {
	if [ -n "$1" ] && [ -n "$2" ]; then
		echo "$1; $2"
	else
		echo "$1$2"
	fi
}

report() {
	local name=$1 rc=$2 reason=$3 secs=$4 line
	if [ "$rc" = 77 ] && [ -z "$reason" ]; then
		line="SKIP $name: $(cat "$LOGDIR/skip" 2>/dev/null)"
	elif [ "$rc" = 0 ] && [ -z "$reason" ]; then
		line="PASS $name"
		passed=$((passed + 1))
	else
		line="FAIL $name: $reason"
		failed=$((failed + 1))
	fi
	echo "$line" >>"$out/results"
	echo "$line ($secs s)"
	if [ "${line%% *}" = FAIL ] && [ "$verbose" = 0 ]; then
		tail -n 25 "$LOGDIR/case.log" | sed 's/^/    | /'
	fi
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_start: forget what boot left unreferenced (the kernel's own
# early allocations, virtme-ng's set-up), so that what the final scan
# reports was allocated during the suite. Boot's suspects are kept in
# OUT/kmemleak-boot.txt for comparison.
kmemleak_start() {
	[ -e "$KMEMLEAK" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -w "$KMEMLEAK" ] || { echo "suite: --kmemleak: no $KMEMLEAK (CONFIG_DEBUG_KMEMLEAK off, or kmemleak disabled itself)" >&2; exit 2; }
	echo scan >"$KMEMLEAK"
	cat "$KMEMLEAK" >"$out/kmemleak-boot.txt"
	echo clear >"$KMEMLEAK"
}

# kmemleak_check: scan twice, some seconds apart (an object is reported
# only when older than 5 s and unreferenced in a scan; a second scan drops
# pointers that were in flight), then fail on anything reported.
kmemleak_check() {
	local t0=$SECONDS leaks first
	echo scan >"$KMEMLEAK"
	sleep 10
	echo scan >"$KMEMLEAK"
	cat "$KMEMLEAK" >"$out/kmemleak.txt"
	leaks=$(grep -c '^unreferenced object' "$out/kmemleak.txt")
	if [ "$leaks" = 0 ]; then
		echo "PASS kmemleak" >>"$out/results"
		echo "PASS kmemleak ($((SECONDS - t0)) s)"
		passed=$((passed + 1))
		return
	fi
	first=$(grep -m 1 -A 12 '^unreferenced object' "$out/kmemleak.txt" |
		sed -n 's/^ *\[<[0-9a-f]*>\] //p' | head -n 4 | paste -sd ' ' -)
	echo "FAIL kmemleak: $leaks suspected leaks, first allocated by: $first (all in $out/kmemleak.txt)" |
		tee -a "$out/results"
	failed=$((failed + 1))
}

main() {
	local ipt case mode
	parse_args "$@"
	prepare
	[ "$kmemleak" = 0 ] || kmemleak_start
	for ipt in $ipts; do
		for case in $cases; do
			[ -f "$TOP/test/cases/$case.sh" ] || { echo "suite: no case $case" >&2; exit 2; }
			# CASE_IPT: the flavours a case runs with, default all
			[[ " $(case_setting "$case" CASE_IPT "$ipt") " == *" $ipt "* ]] || continue
			for mode in $(case_setting "$case" CASE_MODES "off scon"); do
				run_one "$case" "$ipt" "$mode"
			done
		done
	done
	[ "$kmemleak" = 0 ] || kmemleak_check
	kill "$dmesg_pid" 2>/dev/null
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

main "$@"
