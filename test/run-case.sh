#!/usr/bin/env bash
# Runs one case of the VM suite, in the guest: Docker-like topology up
# (test/lib.sh draws it), scon loaded and attached when MODE is "scon",
# the case's function, then everything torn down again. One process per
# case, so that a timeout or a `die` ends this case only.
#
#   test/run-case.sh CASE IPT MODE
#
#   CASE  a file test/cases/CASE.sh defining case_CASE; it may also set
#         CASE_MODES, CASE_TIMEOUT, CASE_IPT (the flavours it runs with,
#         default both), and, read when the topology comes up,
#         TOPO_RTR=1 (router and server behind the uplink) or PUBLISHED,
#         and a function cleanup_CASE that teardown calls first
#   IPT   iptables-nft or iptables-legacy: who installs Docker's rules
#   MODE  off (kernel only) or scon
#
# Environment: LOGDIR (this case's scratch and log directory), TOOLS,
# SCONCTL, SCON_KO (see test/lib.sh).
# Exit status: 0 passed, 1 failed (reasons in $LOGDIR/fails), 77 skipped.
set -u

CASE=$1
export IPT=$2
MODE=$3
TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
. "$TOP/test/lib.sh"
# shellcheck disable=SC1090
. "$TOP/test/cases/$CASE.sh"

SCON=0
[ "$MODE" = scon ] && SCON=1

teardown() {
	local rc=$?
	trap - EXIT TERM
	[ -s "$CASE_FAILS" ] && scon_show
	log "teardown"
	! declare -F "cleanup_$CASE" >/dev/null || "cleanup_$CASE"
	stop_spawned
	scon_down
	topo_down
	[ "$rc" = 77 ] && exit 77
	[ -s "$CASE_FAILS" ] && exit 1
	exit 0
}

mkdir -p "$LOGDIR"
: >"$CASE_FAILS"
: >"$CASE_PIDS"
trap teardown EXIT
trap 'fail "killed by the suite (time limit)"; exit 1' TERM
log "case $CASE, $IPT, scon $MODE"
topo_up
[ "$SCON" = 0 ] || scon_up
"case_$CASE"
