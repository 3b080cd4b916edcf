#!/usr/bin/env bash
# scon's arm64 smoke, guest side: the initramfs of scripts/arm64.sh runs it
# as root on Debian's arm64 kernel. The Docker-like topology of test/lib.sh
# with iptables-nft, scon loaded and attached (unless --no-scon), then:
#
#   tcp  ext --> 10.0.0.2:8080 (DNAT) --> c1:80, TCP_BYTES bytes: both ends
#        agree on length and sha256, and express_packets grows by >= 80% of
#        the segments c1 received
#   udp  c1 --> ext:80 (MASQUERADE), UDP_REQUESTS request/responses, every
#        reply byte-identical to its request and from ext as ext saw
#        10.0.0.2; express_packets grows by >= 80% of the datagrams
#   flows  `sconctl flows` lists the UDP connection's two directions
#
# and no BUG/WARNING/Oops/refcount/leak line in dmesg. Ends with "PASS
# arm64 smoke" or "FAIL arm64 smoke: reasons"; exit status 0 or 1. With
# --no-scon the express counters stay at 0 and the smoke must FAIL.
#
#   test/arm64/smoke.sh [--no-scon]
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DMESG_BAD='BUG|WARNING|Oops|refcount|leak|unregister_netdevice: waiting'
TCP_BYTES=4000000
UDP_REQUESTS=400
SCON=1
[ "${1:-}" = --no-scon ] && SCON=0

export LOGDIR=/tmp/scon-test IPT=iptables-nft
export TOOLS=$TOP/bin SCONCTL=$TOP/bin/sconctl SCON_KO=$TOP/scon.ko
export CASE_FAILS=$LOGDIR/fails CASE_PIDS=$LOGDIR/pids
# shellcheck source=test/lib.sh
. "$TOP/test/lib.sh"

tcp_express() {
	local x0 s0 xpkts segs
	x0=$(scon_counter express_packets)
	s0=$(ip_segments c1)
	xfer_run tcp c1 80 ext "$HOST_UP:8080" cli "$TCP_BYTES" || return 1
	xpkts=$(($(scon_counter express_packets) - x0))
	segs=$(($(ip_segments c1) - s0))
	log "tcp: c1 received $segs segments; express path $xpkts packets"
	check_ge "$(percent "$xpkts" "$segs")" 80 "tcp: express packets, % of the segments c1 received"
}

udp_express() {
	local x0 xpkts
	udp_serve udp ext 80 || return 1
	x0=$(scon_counter express_packets)
	udp_count c1 "$EXT_IP:80" "$UDP_REQUESTS"
	xpkts=$(($(scon_counter express_packets) - x0))
	log "udp: $((2 * UDP_REQUESTS)) datagrams; express path $xpkts packets"
	check_eq "$(udp_peers udp)" "$HOST_UP" "udp: MASQUERADE, the client's address as ext sees it"
	check_ge "$(percent "$xpkts" $((2 * UDP_REQUESTS)))" 80 "udp: express packets, % of the datagrams"
}

flows_listed() {
	local udp_dirs
	run "$SCONCTL" flows
	udp_dirs=$(scon_flows | jq "[.[] | select(.proto == \"udp\" and .packets > 0)] | length")
	check_eq "$udp_dirs" 2 "sconctl flows: UDP directions with packets"
}

# smoke: in its own process, so that a `die` ends the smoke, not the checks.
smoke() {
	log "arm64 smoke on $(uname -r) $(uname -m), scon $([ "$SCON" = 1 ] && echo on || echo off)"
	topo_up
	[ "$SCON" = 0 ] || scon_up
	tcp_express
	udp_express
	flows_listed
	[ "$SCON" = 0 ] || { say "sconctl status"; "$SCONCTL" status | sed 's/^/  /'; }
}

teardown() {
	log "teardown"
	stop_spawned
	scon_down
	topo_down || fail "topology left behind"
}

kernel_complaints() {
	local bad
	bad=$(dmesg | sed -n '/scon-arm64: begin$/,$p' | grep -E "$DMESG_BAD")
	[ -z "$bad" ] || fail "dmesg: $(head -n 1 <<<"$bad")"
	[ -z "$bad" ] || sed 's/^/  dmesg: /' <<<"$bad"
}

mkdir -p "$LOGDIR"
: >"$CASE_FAILS"
: >"$CASE_PIDS"
echo "scon-arm64: begin" >/dev/kmsg
(smoke)
teardown
kernel_complaints
if [ -s "$CASE_FAILS" ]; then
	echo "FAIL arm64 smoke: $(paste -sd ';' "$CASE_FAILS")"
	exit 1
fi
echo "PASS arm64 smoke"
