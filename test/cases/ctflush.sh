# shellcheck shell=bash disable=SC2034
# ctflush: conntrack stays the source of truth. `conntrack -F` while c1
# sends 20 MB to c2 (bridged, paced):
#   1. with the sender paused (SIGSTOP), so nothing can re-learn the
#      connection: scon's flow_count must be 0 within 2 s (the garbage
#      collector sweeps once a second; a sconctl call under TCG takes a
#      few hundred ms, so 1 s would measure the poll, not scon);
#   2. under load: scon must drop what it had cached (inv_conntrack grows
#      by at least the flows cached before);
# and the transfer completes byte-identical.
# Bridged on purpose: after a flush the kernel picks a connection up again
# from whichever packet comes first, which through NAT may be a reply that
# then misses its translation; between c1 and c2 any packet restores it.

CASE_MODES="off scon"
CASE_TIMEOUT=240

case_ctflush() {
	local size=20000000 pid
	xfer_start flush c2 80 c1 "$C2_IP:80" cli "$size" 2500000
	wait_file_ge "$LOGDIR/flush.progress" 2000000 20 || return 1
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 1 "connections cached before the flush"

	pid=$(xfer_pid flush cli)
	run kill -STOP "$pid"
	sleep 0.5
	run conntrack -F
	[ "$SCON" = 0 ] || flow_count_drops 2000
	run kill -CONT "$pid"

	wait_file_ge "$LOGDIR/flush.progress" 8000000 20
	flush_under_load
	xfer_check flush "$size"
}

# flow_count_drops MS: scon's flow_count reaches 0 within MS.
flow_count_drops() {
	local end=$(($(now_ms) + $1)) n
	while :; do
		n=$(scon_status .flow_count)
		[ "$n" = 0 ] && { echo "  ok: flow_count 0 after the flush"; return 0; }
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.1
	done
	fail "flow_count $n $1 ms after conntrack -F, want 0"
}

flush_under_load() {
	local cached inv0
	if [ "$SCON" = 1 ]; then
		cached=$(scon_status .flow_count)
		inv0=$(scon_counter inv_conntrack)
	fi
	run conntrack -F
	[ "$SCON" = 1 ] || return 0
	sleep 1
	check_ge $(($(scon_counter inv_conntrack) - inv0)) "$cached" \
		"flows dropped for conntrack under load (flow_count before: $cached)"
}
