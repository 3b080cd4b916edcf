#!/usr/bin/env bash
# The guest half of `make demo` (scripts/demo.sh boots the VM): the same
# traffic through a Docker-style host twice in one boot, first on the
# kernel's own path, then with scon.ko attached to docker0 and up0, and a
# before/after table of the two.
#
#   scripts/demo-guest.sh OUTDIR      (in the VM, as root, from the repo root)
#
#   ext 10.0.0.50 --> up0 10.0.0.2:8080/5201 --DNAT--> docker0 --> c1 172.17.0.2:80/5201
#
# Per mode: TCP and UDP round trips through the published port 8080 (rtt),
# iperf3 TCP and iperf3 UDP at a fixed offered rate through 5201, and the
# softirq share of both CPUs' time (/proc/stat) during each transfer.
# The topology log and every tool's raw output land in OUTDIR/log.
set -u

OUT=${1:?usage: demo-guest.sh OUTDIR}
LOGDIR=$OUT/log
CASE_FAILS=$LOGDIR/fails
CASE_PIDS=$LOGDIR/pids
# shellcheck source=test/lib.sh
. test/lib.sh

SECS=4		# length of each iperf3 transfer
RTT_N=5000	# round trips per latency run, at most
RTT_FOR=3s	# and for this long at most
UDP_RATE=200M	# offered UDP load

declare -A R	# R[mode.metric] = value
PROBLEMS=()

problem() {
	echo "  PROBLEM: $*"
	PROBLEMS+=("$*")
}

# ---- measurements ---------------------------------------------------------

# cpu_jiffies: "softirq total" summed over all CPUs (the "cpu" line).
cpu_jiffies() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print $8, t; exit }' /proc/stat
}

# softirq_share BEFORE AFTER: softirq jiffies over all jiffies, in percent.
softirq_share() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		t = y[2] - x[2]
		printf "%.1f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

# kv LINE KEY: the value of KEY=VALUE in a result line.
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | tail -n 1; }

# rtt_run MODE PROTO: round trips ext -> 10.0.0.2:8080 -> c1:80.
rtt_run() {
	local mode=$1 proto=$2 line
	local cmd=("$TOOLS/rtt" "$proto" -c "$HOST_UP:8080" -n "$RTT_N" -for "$RTT_FOR")
	echo "+ [ext] ${cmd[*]}"
	line=$(innet ext timeout 20 "${cmd[@]}" 2>&1)
	echo "$line" | tee -a "$LOGDIR/$mode.rtt" | sed 's/^/  /'
	line=$(grep '^rtt ' <<<"$line")
	[ -n "$line" ] || { problem "$mode: $proto round trips failed"; return 1; }
	R[$mode.${proto}_avg]=$(kv "$line" avg_us)
	R[$mode.${proto}_p50]=$(kv "$line" p50_us)
	R[$mode.${proto}_p99]=$(kv "$line" p99_us)
}

# iperf_run MODE NAME ARGS...: one iperf3 client in ext against the
# published 5201, with /proc/stat read right around it.
iperf_run() {
	local mode=$1 name=$2 before after msg json=$LOGDIR/$1.$2.json
	shift 2
	echo "+ [ext] iperf3 -c $HOST_UP -p 5201 -t $SECS -J $*"
	before=$(cpu_jiffies)
	innet ext timeout $((SECS + 15)) iperf3 -c "$HOST_UP" -p 5201 \
		-t "$SECS" --connect-timeout 3000 -J "$@" >"$json" 2>&1
	after=$(cpu_jiffies)
	if ! jq -e '.end.sum_sent // .end.sum' "$json" >/dev/null 2>&1; then
		msg=$(jq -r '.error // empty' "$json" 2>/dev/null)
		problem "$mode: iperf3 $name failed: ${msg:-$(tail -n 1 "$json")}"
		return 1
	fi
	R[$mode.${name}_sirq]=$(softirq_share "$before" "$after")
}

# mbits JSON JQ: a bits_per_second field in Mbit/s.
mbits() { jq -r "$2 / 1e6 | . * 10 | round / 10" "$1"; }

iperf_tcp() {
	local mode=$1 json=$LOGDIR/$1.tcp.json
	iperf_run "$mode" tcp || return 1
	R[$mode.tcp_mbit]=$(mbits "$json" .end.sum_received.bits_per_second)
	echo "  received ${R[$mode.tcp_mbit]} Mbit/s, retransmits" \
		"$(jq -r .end.sum_sent.retransmits "$json"), softirq ${R[$mode.tcp_sirq]}%"
}

# udp_drops: datagrams c1 dropped for a full socket buffer, and packets
# any CPU dropped for a full backlog (/proc/net/softnet_stat, column 2).
udp_drops() {
	# shellcheck disable=SC2016
	innet c1 awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6; exit }' /proc/net/snmp
	local dropped total=0
	while read -r _ dropped _; do
		total=$((total + 16#$dropped))
	done </proc/net/softnet_stat
	echo "$total"
}

iperf_udp() {
	local mode=$1 json=$LOGDIR/$1.udp.json before after
	mapfile -t before < <(udp_drops)
	iperf_run "$mode" udp -u -b "$UDP_RATE" || return 1
	mapfile -t after < <(udp_drops)
	R[$mode.udp_sent]=$(mbits "$json" .end.sum_sent.bits_per_second)
	R[$mode.udp_mbit]=$(mbits "$json" .end.sum_received.bits_per_second)
	R[$mode.udp_loss]=$(jq -r '.end.sum_received.lost_percent * 10 | round / 10' "$json")
	R[$mode.udp_rcvbuf]=$((after[0] - before[0]))
	R[$mode.udp_backlog]=$((after[1] - before[1]))
	echo "  offered $UDP_RATE, sent ${R[$mode.udp_sent]} Mbit/s, received" \
		"${R[$mode.udp_mbit]} Mbit/s, lost ${R[$mode.udp_loss]}%" \
		"(c1 socket buffer full: ${R[$mode.udp_rcvbuf]}, backlog full:" \
		"${R[$mode.udp_backlog]}), softirq ${R[$mode.udp_sirq]}%"
}

# measure MODE: the whole set, in an order both modes share.
measure() {
	local mode=$1
	rtt_run "$mode" tcp
	rtt_run "$mode" udp
	iperf_tcp "$mode"
	iperf_udp "$mode"
}

# ---- setup and scon -------------------------------------------------------

servers_up() {
	spawn rtt.srv 400 c1 "$TOOLS/rtt" serve -l :80 -for 390s
	spawn iperf3.srv 400 c1 iperf3 -s -p 5201
	wait_listen c1 tcp 80 && wait_listen c1 udp 80 && wait_listen c1 tcp 5201
}

# flows_during_transfer: `sconctl flows` while an iperf3 TCP transfer runs,
# so that the table has rows to show.
flows_during_transfer() {
	spawn flows.iperf3 20 ext iperf3 -c "$HOST_UP" -p 5201 -t 3 --connect-timeout 3000
	sleep 1.5
	run timeout 10 "$SCONCTL" flows
	reap flows.iperf3 >/dev/null || problem "iperf3 under sconctl flows failed"
}

dmesg_check() {
	local bad
	echo "+ dmesg | grep -w scon"
	dmesg | grep -w scon | sed 's/^/  /'
	bad=$(dmesg | grep -E 'WARNING|BUG:|Oops|general protection|refcount_t|list_(add|del) corruption|RCU stall|hung_task')
	[ -z "$bad" ] || problem "kernel warnings: $bad"
}

# ---- the table --------------------------------------------------------------

ratio() {
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
		if (a == "" || b == "" || a + 0 == 0) print "-"; else printf "%.2f", b / a }'
}

# row LABEL KEY: one line of the table, R[off.KEY] against R[on.KEY].
row() {
	local label=$1 off=${R[off.$2]:-} on=${R[on.$2]:-}
	printf '%-30s  %12s  %12s  %8s\n' "$label" "${off:--}" "${on:--}" "$(ratio "$off" "$on")"
}

table() {
	printf '%-30s  %12s  %12s  %8s\n' METRIC "WITHOUT SCON" "WITH SCON" "RATIO"
	row "TCP round trip avg (us)" tcp_avg
	row "TCP round trip p50 (us)" tcp_p50
	row "TCP round trip p99 (us)" tcp_p99
	row "UDP round trip avg (us)" udp_avg
	row "UDP round trip p50 (us)" udp_p50
	row "UDP round trip p99 (us)" udp_p99
	row "TCP throughput (Mbit/s)" tcp_mbit
	row "TCP softirq share (%)" tcp_sirq
	row "UDP $UDP_RATE sent (Mbit/s)" udp_sent
	row "UDP $UDP_RATE received (Mbit/s)" udp_mbit
	row "UDP $UDP_RATE loss (%)" udp_loss
	row "  dropped at c1 socket" udp_rcvbuf
	row "UDP softirq share (%)" udp_sirq
	row "scon express packets" express
	echo "(QEMU/TCG guest, $(nproc) vCPUs: absolute figures mean little; compare the ratios, taken in one boot.)"
}

# ---- main -------------------------------------------------------------------

mkdir -p "$LOGDIR"
: >"$CASE_FAILS"
: >"$CASE_PIDS"
for t in iperf3 jq "$TOOLS/rtt" "$SCONCTL" "$SCON_KO"; do
	command -v "$t" >/dev/null || [ -e "$t" ] || { echo "demo: $t missing" >&2; exit 1; }
done

log "scon demo on $(uname -r), $(nproc) CPUs; Docker's rules with $IPT"
log "topology and Docker's rules (commands in $LOGDIR/topo.log)"
if ! (topo_up) >"$LOGDIR/topo.log" 2>&1 || ! servers_up; then
	tail -n 5 "$LOGDIR/topo.log"
	echo "demo: the topology or its servers did not come up" >&2
	exit 1
fi

log "without scon"
measure off
R[off.express]=0

log "with scon"
if (scon_up) >"$LOGDIR/scon.log" 2>&1; then
	sed 's/^/  /' "$LOGDIR/scon.log"
	measure on
	R[on.express]=$(scon_counter express_packets)
	[ "${R[on.express]:-0}" -gt 0 ] 2>/dev/null ||
		problem "scon forwarded no packet (express_packets ${R[on.express]:-none})"
	log "sconctl flows during an iperf3 TCP transfer"
	flows_during_transfer
	log "sconctl status"
	run timeout 10 "$SCONCTL" status
else
	sed 's/^/  /' "$LOGDIR/scon.log"
	problem "scon did not load or attach"
fi

stop_spawned
scon_down >>"$LOGDIR/scon.log" 2>&1 || problem "rmmod scon failed or hung"
topo_down >"$LOGDIR/topo_down.log" 2>&1
dmesg_check

echo
table
[ -s "$CASE_FAILS" ] && mapfile -t -O "${#PROBLEMS[@]}" PROBLEMS <"$CASE_FAILS"
[ ${#PROBLEMS[@]} -eq 0 ] || { printf 'demo: %s\n' "${PROBLEMS[@]}" >&2; exit 1; }
exit 0
