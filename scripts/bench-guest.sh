#!/usr/bin/env bash
# The guest half of `make bench` and `make bench-scale` (scripts/bench.sh
# boots the VM), and of the suite's smoke run (test/bench-smoke.sh): the
# Docker-style topology of test/lib.sh, then every mode one after another,
# round after round, so that slow drift of the VM spreads over all modes:
#
#   ext 10.0.0.50 -- up0 10.0.0.2 [host] docker0 172.17.0.1 -- c1 .2, c2 .3
#
#   native       servers in the host namespace, reached from ext over up0
#                (ports 9xxx, no DNAT, no bridge); egress: host -> ext
#   docker       servers in c1 behind Docker's rules (DNAT of the published
#                ports, MASQUERADE); egress: c1 -> ext
#   flowtable    docker + an nftables flowtable on up0, vethc1 and vethc2
#                with a `flow add` rule (conntrack -L must show [OFFLOAD])
#   scon         docker + scon.ko, `sconctl apply -f` of configs/scon.yaml
#                with uplinks [up0]
#   bridge-only  c2 -> c1 with br_netfilter off (the c2c baseline)
#
#   scripts/bench-guest.sh --out DIR [--what bench|scale|smoke|profile] [--runs N]
#
# --what profile samples every CPU (perf, cpu-clock) while one UDP flow,
# 10,000 UDP flows and one TCP stream go ext -> c1 in modes docker,
# flowtable and scon: DIR/landmarks.txt holds the time per packet or MB
# in the forwarding path's landmarks, DIR/profile-*.txt the hottest
# functions.
#
# Raw figures go to DIR/raw.csv (mode,workload,metric,run,value), the
# stamp to DIR/meta.txt, tool output to DIR/log. Exit status 1 when a
# workload produced no figure (a broken bench, never a slow one).
set -u

OUT=
WHAT=bench
RUNS=
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	--what) WHAT=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	*) echo "usage: bench-guest.sh --out DIR [--what bench|scale|smoke|profile] [--runs N]" >&2; exit 2 ;;
	esac
done
[ -n "$OUT" ] || { echo "bench-guest: --out DIR missing" >&2; exit 2; }

# What one figure costs (TCG runs everything 20-50x slower than hardware):
SECS=2		# length of each latency run, at most
IPERF_SECS=2	# length of each iperf3 run (whole seconds)
RTT_N=4000	# round trips per latency run, at most
HTTP_N=2000	# HTTP requests per run, at most
MQTT_N=3400	# MQTT messages per run, at most (3 runs: about 10,000)
UDP_RATE=100M	# offered UDP load
SCALE_FLOWS="1 10000"
SCALE_SECS=3
HS_STEPS=6	# request/responses watched on a new connection
case $WHAT in
bench) : "${RUNS:=3}" ;;
scale) : "${RUNS:=3}"; SCALE_FLOWS="1 100 1000 10000" ;;
profile) : "${RUNS:=1}"; SCALE_SECS=4 ;;
smoke) : "${RUNS:=1}"; SECS=0.5; IPERF_SECS=1; RTT_N=300; HTTP_N=100; MQTT_N=100
	SCALE_FLOWS="1 100"; SCALE_SECS=0.5; HS_STEPS=4 ;;
*) echo "bench-guest: --what bench, scale, smoke or profile" >&2; exit 2 ;;
esac

TOP=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT/log"
OUT=$(cd "$OUT" && pwd)
export LOGDIR=$OUT/log
export CASE_FAILS=$LOGDIR/fails CASE_PIDS=$LOGDIR/pids
RAW=$OUT/raw.csv
: >"$RAW"
: >"$CASE_FAILS"
: >"$CASE_PIDS"

# Tools start much faster from the guest's tmpfs than from the host's
# filesystem under TCG (the suite's prepare() does the same).
if [ ! -x "${TOOLS:-}/flows" ]; then
	TOOLS=/tmp/bench-bin
	mkdir -p "$TOOLS"
	cp "$TOP"/out/tools/* "$TOOLS"/ || { echo "bench-guest: no tools in out/tools" >&2; exit 1; }
	cp "$TOP/bin/sconctl" "$TOOLS/" && SCONCTL=$TOOLS/sconctl
fi
export TOOLS SCONCTL=${SCONCTL:-$TOP/bin/sconctl}
# shellcheck source=test/lib.sh
. "$TOP/test/lib.sh"

# Published ports beyond lib.sh's: HTTP, MQTT, the scale test's UDP sink.
PUBLISHED="$PUBLISHED tcp:8081:$C1_IP:8081 tcp:1883:$C1_IP:1883 udp:5300:$C1_IP:5300"
# Where each mode's servers listen: c1 behind the published ports, the
# host itself (native) on ports nothing publishes, and ext for egress.
NATIVE_RTT=9080 NATIVE_IPERF=9201 NATIVE_HTTP=9081 NATIVE_MQTT=9883
EXT_RTT=7080 EXT_IPERF=7201 EXT_HTTP=7081

PROBLEMS=()
problem() {
	echo "  PROBLEM: $*"
	PROBLEMS+=("$*")
}

# record MODE WORKLOAD METRIC RUN VALUE
record() { echo "$1,$2,$3,$4,$5" >>"$RAW"; }

# kv LINE KEY: the value of KEY=VALUE in a result line (the last one).
# Here and below bash alone where it can: under TCG every exec costs a
# good fraction of a second, and the smoke run in the suite adds them up.
kv() {
	local w v=
	for w in $1; do
		[[ $w != "$2="* ]] || v=${w#*=}
	done
	echo "$v"
}

# ---- CPU accounting -----------------------------------------------------------

# cpu_snap: "busy softirq total" ticks (USER_HZ) of all CPUs; busy is
# everything but idle and iowait.
cpu_snap() {
	local cpu user nice sys idle iow irq sirq steal
	read -r cpu user nice sys idle iow irq sirq steal _ </proc/stat
	echo "$((user + nice + sys + irq + sirq + steal)) $sirq $((user + nice + sys + idle + iow + irq + sirq + steal))"
}

# record_cpu MODE WL RUN BEFORE AFTER UNITS: softirq share of all CPU
# time, and CPU and softirq microseconds per unit (transaction or MB).
record_cpu() {
	local mode=$1 wl=$2 run=$3 units=$6 v
	v=$(awk -v a="$4" -v b="$5" -v u="$units" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		t = y[3] - x[3]; tick = 1e6 / 100
		if (t <= 0 || u <= 0) exit 1
		printf "%.2f %.3f %.3f", 100 * (y[2] - x[2]) / t, (y[1] - x[1]) * tick / u, (y[2] - x[2]) * tick / u }') || return 0
	read -r sirq cpu_per sirq_per <<<"$v"
	record "$mode" "$wl" sirq_pct "$run" "$sirq"
	record "$mode" "$wl" cpu_per "$run" "$cpu_per"
	record "$mode" "$wl" sirq_per "$run" "$sirq_per"
	echo "  softirq ${sirq}%, CPU ${cpu_per} us and softirq ${sirq_per} us per unit ($units units)"
}

# express_now: scon's express_packets (0 in the other modes), from one
# sconctl call.
express_now() {
	local st
	[ "$MODE" = scon ] || { echo 0; return; }
	st=$(timeout 10 "$SCONCTL" status --json)
	[[ $st =~ \"express_packets\":\ *([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

# ---- workloads ------------------------------------------------------------------

# timed MODE WL RUN NS UNITS_FN CMD...: run CMD in NS with /proc/stat and
# scon's express counter read around it; UNITS_FN OUTPUT prints how many
# transactions or MB the output stands for and records its figures.
timed() {
	local mode=$1 wl=$2 run=$3 ns=$4 fn=$5 before after e0 e1 out units
	shift 5
	e0=$(express_now)
	say "[$ns] $*"
	before=$(cpu_snap)
	out=$(innet "$ns" timeout 60 "$@" 2>&1)
	after=$(cpu_snap)
	e1=$(express_now)
	echo "$out" >>"$LOGDIR/$mode.$wl.log"
	units=$("$fn" "$mode" "$wl" "$run" "$out") || {
		problem "$mode $wl run $run: $(tail -n 1 <<<"$out")"
		return 1
	}
	record_cpu "$mode" "$wl" "$run" "$before" "$after" "$units"
	[ "$mode" != scon ] || record "$mode" "$wl" express "$run" $((e1 - e0))
}

# latency_units MODE WL RUN OUTPUT: the result line of rtt, httpb or
# mqttlat; units are the measured transactions plus the warm-up ones.
latency_units() {
	local line
	line=$(grep -E '^(rtt|http|mqtt) ' <<<"$4") || return 1
	echo "  $line" >&2
	record "$1" "$2" avg_us "$3" "$(kv "$line" avg_us)"
	record "$1" "$2" p99_us "$3" "$(kv "$line" p99_us)"
	echo $(($(kv "$line" n) + 20))
}

# iperf_units MODE WL RUN OUTPUT: iperf3's JSON; units are MB received.
iperf_units() {
	local j=$4 mbit mb loss
	mbit=$(jq -er '.end.sum_received.bits_per_second / 1e6' <<<"$j" 2>/dev/null) || return 1
	mb=$(jq -er '(.end.sum_received.bytes // .end.sum.bytes) / 1e6' <<<"$j") || return 1
	record "$1" "$2" mbit "$3" "$mbit"
	loss=$(jq -r '.end.sum_received.lost_percent // .end.sum.lost_percent // empty' <<<"$j")
	[ -z "$loss" ] || record "$1" "$2" loss_pct "$3" "$loss"
	echo "  $mbit Mbit/s received${loss:+, loss $loss%}" >&2
	echo "$mb"
}

rr() {	# rr MODE WL RUN NS PROTO TARGET
	timed "$1" "$2" "$3" "$4" latency_units \
		"$TOOLS/rtt" "$5" -c "$6" -n "$RTT_N" -for "${SECS}s" -warmup 20
}

http() {	# http MODE WL RUN NS TARGET [-new]
	timed "$1" "$2" "$3" "$4" latency_units \
		"$TOOLS/httpb" get -c "$5" -n "$HTTP_N" -for "${SECS}s" ${6:+"$6"}
}

mqtt() {	# mqtt MODE WL RUN NS TARGET
	if ! command -v mosquitto >/dev/null; then
		echo "  skipped: mosquitto is not installed"
		return 0
	fi
	timed "$1" "$2" "$3" "$4" latency_units \
		"$TOOLS/mqttlat" -c "$5" -n "$MQTT_N" -for "$((${SECS%.*} + 1))s"
}

iperf() {	# iperf MODE WL RUN NS HOST PORT [ARGS...]
	local mode=$1 wl=$2 run=$3 ns=$4 host=$5 port=$6
	shift 6
	timed "$mode" "$wl" "$run" "$ns" iperf_units iperf3 -c "$host" -p "$port" \
		-t "$IPERF_SECS" --connect-timeout 3000 -J "$@"
}

# north_south MODE RUN: ext -> published port, then container -> ext.
north_south() {
	local m=$1 r=$2 in_ns=ext eg_ns=c1 rtt=$HOST_UP:8080 ip=5201 http=$HOST_UP:8081 mq=$HOST_UP:1883
	if [ "$m" = native ]; then
		eg_ns=-
		rtt=$HOST_UP:$NATIVE_RTT ip=$NATIVE_IPERF http=$HOST_UP:$NATIVE_HTTP mq=$HOST_UP:$NATIVE_MQTT
	fi
	rr "$m" in_tcp_rr "$r" "$in_ns" tcp "$rtt"
	rr "$m" in_udp_rr "$r" "$in_ns" udp "$rtt"
	http "$m" in_http_ka "$r" "$in_ns" "$http"
	http "$m" in_http_new "$r" "$in_ns" "$http" -new
	mqtt "$m" in_mqtt "$r" "$in_ns" "$mq"
	iperf "$m" in_tcp_tput "$r" "$in_ns" "$HOST_UP" "$ip"
	iperf "$m" in_udp_rate "$r" "$in_ns" "$HOST_UP" "$ip" -u -b "$UDP_RATE"
	rr "$m" eg_tcp_rr "$r" "$eg_ns" tcp "$EXT_IP:$EXT_RTT"
	rr "$m" eg_udp_rr "$r" "$eg_ns" udp "$EXT_IP:$EXT_RTT"
	http "$m" eg_http_ka "$r" "$eg_ns" "$EXT_IP:$EXT_HTTP"
	http "$m" eg_http_new "$r" "$eg_ns" "$EXT_IP:$EXT_HTTP" -new
	iperf "$m" eg_tcp_tput "$r" "$eg_ns" "$EXT_IP" "$EXT_IPERF"
	iperf "$m" eg_udp_rate "$r" "$eg_ns" "$EXT_IP" "$EXT_IPERF" -u -b "$UDP_RATE"
}

# c2c MODE RUN: c2 -> c1 on the same bridge.
c2c() {
	local m=$1 r=$2
	rr "$m" c2c_tcp_rr "$r" c2 tcp "$C1_IP:80"
	rr "$m" c2c_udp_rr "$r" c2 udp "$C1_IP:80"
	iperf "$m" c2c_tcp_tput "$r" c2 "$C1_IP" 5201
	iperf "$m" c2c_udp_rate "$r" c2 "$C1_IP" 5201 -u -b "$UDP_RATE"
}

# ---- modes ----------------------------------------------------------------------

FT_TABLE=scon_bench_ft

mode_up() {
	MODE=$1
	log "mode $MODE"
	case $MODE in
	flowtable) flowtable_up ;;
	scon) scon_bench_up ;;
	bridge-only) run sysctl -qw net.bridge.bridge-nf-call-iptables=0 ;;
	esac
}

mode_down() {
	case $MODE in
	flowtable) offload_check; run nft delete table inet "$FT_TABLE" ;;
	scon) run timeout 30 rmmod scon || problem "rmmod scon failed" ;;
	bridge-only) run sysctl -qw net.bridge.bridge-nf-call-iptables=1 ;;
	esac
	# Entries of this mode must not carry over (offloaded or cached).
	run conntrack -F >/dev/null 2>&1
}

# flowtable_up: the kernel's flowtable on the uplink and the containers'
# veths (bridge ports, which the flowtable resolves through docker0).
flowtable_up() {
	local rules
	rules="table inet $FT_TABLE {
	flowtable ft {
		hook ingress priority 0
		devices = { up0, vethc1, vethc2 }
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta l4proto { tcp, udp } flow add @ft
	}
}"
	say "nft -f - <<EOF"
	sed 's/^/    /' <<<"$rules"
	nft -f - <<<"$rules" || problem "nft refused the flowtable"
}

# offload_check: the flowtable really took flows over: conntrack lists
# the UDP flows of this round still offloaded.
offload_check() {
	local n
	say "conntrack -L | grep OFFLOAD"
	n=$(conntrack -L 2>/dev/null | grep -c OFFLOAD)
	conntrack -L 2>/dev/null | grep OFFLOAD | head -n 4 | sed 's/^/  /'
	echo "  $n conntrack entries [OFFLOAD]"
	record flowtable offload entries "$RUN" "$n"
	[ "$n" -gt 0 ] || problem "flowtable: no conntrack entry was offloaded"
}

scon_bench_up() {
	run timeout 30 insmod "$SCON_KO" || { problem "insmod $SCON_KO failed"; return 1; }
	sed 's/^uplinks:.*/uplinks: [up0]/' "$TOP/configs/scon.yaml" >"$OUT/scon.yaml"
	run timeout 10 "$SCONCTL" apply -f "$OUT/scon.yaml" || problem "sconctl apply failed"
	[ "$(scon_status .enabled)" = true ] || problem "scon not enabled after apply"
}

# ---- servers --------------------------------------------------------------------

LIFE=3000	# seconds every server may live, far beyond the longest run

mosquitto_conf() {
	printf 'listener %s 0.0.0.0\nallow_anonymous true\npersistence false\nlog_dest none\nuser root\n' "$1" \
		>"$OUT/mosquitto-$1.conf"
	echo "$OUT/mosquitto-$1.conf"
}

servers_up() {
	local ns rtt ip http mq
	for ns in c1 - ext; do
		case $ns in
		c1) rtt=80 ip=5201 http=8081 mq=1883 ;;
		-) rtt=$NATIVE_RTT ip=$NATIVE_IPERF http=$NATIVE_HTTP mq=$NATIVE_MQTT ;;
		ext) rtt=$EXT_RTT ip=$EXT_IPERF http=$EXT_HTTP mq= ;;
		esac
		spawn "rtt.$ns" $LIFE "$ns" "$TOOLS/rtt" serve -l ":$rtt" -for $((LIFE - 10))s
		spawn "iperf3.$ns" $LIFE "$ns" iperf3 -s -p "$ip"
		spawn "http.$ns" $LIFE "$ns" "$TOOLS/httpb" serve -l ":$http" -for $((LIFE - 10))s
		if [ -n "$mq" ] && command -v mosquitto >/dev/null; then
			spawn "mqtt.$ns" $LIFE "$ns" mosquitto -c "$(mosquitto_conf "$mq")"
		fi
		wait_listen "$ns" tcp "$rtt" && wait_listen "$ns" udp "$rtt" &&
			wait_listen "$ns" tcp "$ip" && wait_listen "$ns" tcp "$http" || return 1
		[ -z "$mq" ] || ! command -v mosquitto >/dev/null || wait_listen "$ns" tcp "$mq" || return 1
	done
	spawn flows.c1 $LIFE c1 "$TOOLS/flows" serve -l :5300 -for $((LIFE - 10))s
	wait_listen c1 udp 5300
}

# ---- scale: many flows, memory, the first packets of a connection -------------

# scale_run N RUN [ID]: per-packet CPU with N concurrent UDP flows in the
# current mode, recorded as workload ID (default flows_N).
scale_run() {
	local n=$1 r=$2 id=${3:-flows_$1} line e0 e1 sent warm
	[ "$MODE" != scon ] || run timeout 10 "$SCONCTL" flush
	run conntrack -F >/dev/null 2>&1
	e0=$(express_now)
	say "[ext] flows blast -c $HOST_UP:5300 -flows $n -for ${SCALE_SECS}s"
	line=$(innet ext timeout 120 "$TOOLS/flows" blast -c "$HOST_UP:5300" -flows "$n" \
		-warm 3 -for "${SCALE_SECS}s" 2>&1)
	e1=$(express_now)
	echo "$line" >>"$LOGDIR/scale.log"
	echo "  $line"
	line=$(grep '^flows ' <<<"$line") || { problem "scale $MODE $n flows: $line"; return 1; }
	sent=$(kv "$line" sent)
	warm=$((6 * n))	# 3 echo rounds, both directions
	record "$MODE" "$id" busy_ns "$r" "$(kv "$line" busy_ns_per_pkt)"
	record "$MODE" "$id" sirq_ns "$r" "$(kv "$line" sirq_ns_per_pkt)"
	record "$MODE" "$id" pps "$r" "$(kv "$line" pps)"
	record "$MODE" "$id" recv_pct "$r" "$(awk -v a="$(kv "$line" received)" -v b="$sent" 'BEGIN { printf "%.1f", 100 * a / b }')"
	[ "$MODE" != scon ] ||
		record scon "$id" express_pct "$r" "$(awk -v e=$((e1 - e0)) -v t=$((sent + warm)) 'BEGIN { printf "%.1f", 100 * e / t }')"
}

# slab_bytes: bytes in use in every slab cache (active objects x size).
slab_bytes() {
	awk 'NR > 2 { s += $2 * $4 } END { printf "%.0f", s }' /proc/slabinfo
}

# memory_run RUN: right after the 10,000-flow run the flows are still
# cached; what a flush frees, over the flows it dropped, is their cost.
memory_run() {
	local flows s1 s2 obj
	flows=$(scon_status .flow_count)
	s1=$(slab_bytes)
	run timeout 10 "$SCONCTL" flush
	sleep 2	# RCU frees the flows and their routes
	s2=$(slab_bytes)
	obj=$(awk '$1 == "scon_flow" { print $4 }' /proc/slabinfo)
	echo "  $flows flows cached; slab in use ${s1} -> ${s2} bytes; scon_flow object ${obj:-merged} bytes"
	[ "${flows:-0}" -gt 0 ] || { problem "memory: no flow cached"; return 1; }
	record scon memory flows "$1" "$flows"
	record scon memory bytes_per_flow "$1" $(((s1 - s2) / flows))
	[ -z "$obj" ] || record scon memory obj_size "$1" "$obj"
}

# long_revalidation_run RUN: the largest flow count again, with a 60 s
# revalidation interval. At 10,000 flows each flow sends about one packet
# per default interval, so the default run pays a normal-path packet per
# flow and second; this run shows what the cache itself costs at that size.
long_revalidation_run() {
	local n=${SCALE_FLOWS##* }
	log "scale: $n flows, revalidation 60 s, run $1"
	sed 's/^revalidate_interval:.*/revalidate_interval: 60s/' "$OUT/scon.yaml" >"$OUT/scon-long.yaml"
	run timeout 10 "$SCONCTL" apply -f "$OUT/scon-long.yaml" || { problem "sconctl apply (60 s) failed"; return 1; }
	scale_run "$n" "$1" flows_long
	run timeout 10 "$SCONCTL" apply -f "$OUT/scon.yaml" || problem "sconctl apply failed"
}

ext_packets() {
	echo $(($(if_stat ext eth0 tx_packets) + $(if_stat ext eth0 rx_packets)))
}

# handshake_run RUN: one new TCP connection ext -> published port, one
# request/response at a time; after each, the packets on the wire since
# the handshake and scon's express packets tell which packet was the
# first on the express path.
handshake_run() {
	local r=$1 line w0 w1 e0 w e i first='' hs c0
	c0=$(scon_status -c .counters)
	w0=$(ext_packets)
	coproc STEP { innet ext timeout 60 "$TOOLS/flows" step -c "$HOST_UP:8080" 2>&1; }
	read -r -t 10 line <&"${STEP[0]}" || { problem "handshake: no connection"; return 1; }
	sleep 0.3
	w1=$(ext_packets)
	hs=$((w1 - w0))
	e0=$(express_now)
	echo "  $line, handshake $hs packets"
	for ((i = 1; i <= HS_STEPS; i++)); do
		echo x >&"${STEP[1]}"
		read -r -t 10 line <&"${STEP[0]}" || { problem "handshake: step $i: no answer"; break; }
		sleep 0.2
		w=$(($(ext_packets) - w1))
		e=$(($(express_now) - e0))
		echo "  after request/response $i: $w packets since the handshake, $e express"
		[ -n "$first" ] || [ "$e" -eq 0 ] || first=$((w - e + 1))
	done
	# Which direction went express, and why the others did not: this
	# connection is the only traffic now.
	scon_flows | jq -c '.[] | select(.dport == 8080 or .sport == 80) | {dir, src, sport, dst, dport, packets}' |
		sed 's/^/  flow: /'
	scon_status -c .counters | jq -c --argjson a "$c0" \
		'with_entries(select(.key | test("^(fb|skip)_")) | .value -= $a[.key] | select(.value > 0))' |
		sed 's/^/  fallbacks and refusals since connect: /'
	eval "exec ${STEP[1]}>&-"
	wait "$STEP_PID" 2>/dev/null
	record scon handshake handshake_pkts "$r" "$hs"
	[ -z "$first" ] || record scon handshake first_express "$r" "$first"
	[ -n "$first" ] || echo "  no express packet in $HS_STEPS request/responses"
}

# scale: scon with 1 to 10,000 flows, and docker with the fewest and the
# most as the baseline: the traffic generator's 10,000 sockets and the
# kernel's own conntrack and socket tables grow with the flows too.
scale() {
	local r n
	# 10,000 UDP flows need as many conntrack entries.
	run sysctl -qw net.netfilter.nf_conntrack_max=262144
	for ((r = 1; r <= RUNS; r++)); do
		RUN=$r
		mode_up docker
		for n in ${SCALE_FLOWS%% *} ${SCALE_FLOWS##* }; do
			log "scale: docker, $n flows, run $r"
			scale_run "$n" "$r"
		done
		mode_down
		mode_up scon
		for n in $SCALE_FLOWS; do
			log "scale: $n flows, run $r"
			scale_run "$n" "$r"
		done
		memory_run "$r"
		long_revalidation_run "$r"
		log "new connection, run $r"
		handshake_run "$r"
		mode_down
	done
}

# ---- profile: where the CPU goes in each mode ---------------------------------

PERF_HZ=997	# samples per second and CPU (prime: no lockstep with timers)

# profiled MODE WL CMD...: CMD in ext while perf samples every CPU into
# $OUT/perf-MODE-WL.data; the workload's figures go to the first lines of
# $OUT/profile-MODE-WL.txt, its units (packets sent, or MB received by
# iperf3 -J) to $OUT/units-MODE-WL.
profiled() {
	local mode=$1 wl=$2 txt=$OUT/profile-$1-$2.txt out line units
	shift 2
	say "[ext] $* (perf record -a)"
	out=$(perf record -q -e cpu-clock -F "$PERF_HZ" -a -g -o "$OUT/perf-$mode-$wl.data" -- \
		timeout 60 ip netns exec ext "$@" 2>&1) || problem "profile $mode $wl: $* failed"
	echo "$out" >>"$LOGDIR/profile.log"
	if [ "$wl" != tcp ]; then
		line=$(grep '^flows ' <<<"$out") && units=$(kv "$line" sent)
	else
		units=$(jq -er '.end.sum_received.bytes / 1e6' <<<"$out" 2>/dev/null) &&
			line="iperf3 $(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' <<<"$out") Mbit/s received"
	fi
	[ -n "${units:-}" ] || { problem "profile $mode $wl: no figures"; return 1; }
	echo "$line" | tee "$txt" | sed 's/^/  /'
	echo "$units" >"$OUT/units-$mode-$wl"
}

# Landmarks of the forwarding path: each one's samples include what it
# calls. process_backlog is all of it (the sender's veth hands every
# packet to the backlog, and the packet is forwarded and delivered in c1
# from there); the rest split it up.
LANDMARKS="process_backlog br_handle_frame nf_hook_slow nf_flow_offload_ip_hook
scon_express_hook ip_rcv ip_forward __udp4_lib_rcv tcp_v4_rcv veth_xmit"

# profile_report MODE WL UNITS: microseconds per unit (packet or MB) in
# each landmark, "MODE WL FUNCTION US" lines into $OUT/landmarks.txt, then
# the hottest functions by self time into $OUT/profile-MODE-WL.txt.
profile_report() {
	local data=$OUT/perf-$1-$2.data txt=$OUT/profile-$1-$2.txt total
	local report=(perf report -i "$data" --kallsyms "$OUT/kallsyms" --stdio -g none)
	total=$("${report[@]}" --no-children --sort comm -n 2>/dev/null | awk '!/^#/ && NF >= 3 { s += $2 } END { print s + 0 }')
	"${report[@]}" --children --sort sym 2>/dev/null |
		awk -v m="$1" -v wl="$2" -v n="$total" -v hz="$PERF_HZ" -v units="$3" -v want="$LANDMARKS" '
			BEGIN { nw = split(want, w, /[ \n]+/); for (i = 1; i <= nw; i++) keep[w[i]] = 1 }
			$3 == "[k]" && ($4 in keep) { sub(/%/, "", $1); pct[$4] += $1 }
			END {
				for (i = 1; i <= nw; i++)
					if (w[i] in pct)
						printf "%s %s %s %.2f\n", m, wl, w[i], pct[w[i]] / 100 * n / hz * 1e6 / units
			}' >>"$OUT/landmarks.txt"
	{
		echo "samples=$total units=$3"
		"${report[@]}" -q --no-children --sort dso,sym --percent-limit 0.7
	} 2>/dev/null | sed '/^$/d' >>"$txt"
}

profile() {
	local m wl
	command -v perf >/dev/null || { problem "perf missing (make setup)"; return 1; }
	RUN=1
	echo "profile=perf record -e cpu-clock -F $PERF_HZ -a -g, ${SCALE_SECS} s per workload" >>"$OUT/meta.txt"
	for m in docker flowtable scon; do
		mode_up "$m"
		run conntrack -F >/dev/null 2>&1
		profiled "$m" tcp iperf3 -c "$HOST_UP" -p 5201 -t "$SCALE_SECS" --connect-timeout 3000 -J
		profiled "$m" udp "$TOOLS/flows" blast -c "$HOST_UP:5300" -flows 1 -warm 3 -for "${SCALE_SECS}s"
		profiled "$m" udp10k "$TOOLS/flows" blast -c "$HOST_UP:5300" -flows 10000 -warm 3 -for "${SCALE_SECS}s"
		# perf names scon's functions from this copy after the rmmod.
		[ "$m" != scon ] || cp /proc/kallsyms "$OUT/kallsyms"
		mode_down
	done
	: >"$OUT/landmarks.txt"
	for m in docker flowtable scon; do
		for wl in udp udp10k tcp; do
			[ -s "$OUT/units-$m-$wl" ] && profile_report "$m" "$wl" "$(cat "$OUT/units-$m-$wl")"
		done
	done
}

# ---- main -----------------------------------------------------------------------

dmesg_check() {
	local bad
	bad=$(dmesg | grep -E 'WARNING|BUG:|Oops|general protection|refcount_t|list_(add|del) corruption|RCU stall|hung_task')
	[ -z "$bad" ] || problem "kernel warnings: $(head -n 1 <<<"$bad")"
}

meta() {
	{
		echo "kernel=$(uname -r)"
		echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
		echo "command=${BENCH_COMMAND:-scripts/bench-guest.sh --what $WHAT}"
		echo "note=QEMU/TCG guest, $(nproc) vCPUs, iptables rules by $IPT; modes measured round after round in one boot ($RUNS rounds)"
		if [ "$WHAT" != scale ]; then
			echo "note=each latency run: up to $RTT_N round trips (rtt), $HTTP_N HTTP requests (httpb), $MQTT_N MQTT messages (mqttlat, QoS 0), at most ${SECS} s; iperf3 runs ${IPERF_SECS} s; UDP offered at $UDP_RATE"
			echo "note=CPU per unit: busy CPU ticks of both vCPUs (/proc/stat, 10 ms) over the run, tool start-up and warm-up included, divided by transactions (warm-up included) or MB received"
		fi
		echo "note=scale: flows blast, UDP 64-byte datagrams ext -> published port 5300 round-robin over N sockets for ${SCALE_SECS} s after 3 echo rounds; memory = slab bytes a sconctl flush frees / flows cached (10,000-flow run); handshake: ext packets after connect vs express_packets after each request/response"
	} >"$OUT/meta.txt"
}

main() {
	local r m
	ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null
	log "scon bench ($WHAT, $RUNS rounds) on $(uname -r), $(nproc) CPUs, $IPT"
	meta
	if ! (topo_up) >"$LOGDIR/topo.log" 2>&1 || ! servers_up; then
		tail -n 5 "$LOGDIR/topo.log"
		echo "bench: the topology or its servers did not come up" >&2
		stop_spawned
		return 1
	fi
	if [ "$WHAT" = bench ] || [ "$WHAT" = smoke ]; then
		for ((r = 1; r <= RUNS; r++)); do
			RUN=$r
			log "round $r of $RUNS"
			for m in native docker flowtable scon bridge-only; do
				mode_up "$m"
				[ "$m" = bridge-only ] || north_south "$m" "$r"
				[ "$m" = native ] || c2c "$m" "$r"
				mode_down
			done
		done
	fi
	if [ "$WHAT" = profile ]; then profile; else scale; fi
	stop_spawned
	scon_down >/dev/null 2>&1
	topo_down >"$LOGDIR/topo_down.log" 2>&1
	dmesg_check
	[ ! -s "$CASE_FAILS" ] || mapfile -t -O "${#PROBLEMS[@]}" PROBLEMS <"$CASE_FAILS"
	[ ${#PROBLEMS[@]} -eq 0 ] || { printf 'bench: %s\n' "${PROBLEMS[@]}" >&2; return 1; }
	log "bench: done, raw figures in $RAW"
}

main
