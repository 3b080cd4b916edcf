# shellcheck shell=bash disable=SC2034
# churn (shared/cases 17): containers come and go under traffic while, with
# scon, its cache is flushed, its configuration re-applied, it is detached
# and attached again and the module is unloaded and loaded again.
#   - Survivors, never deleted, each carry a paced TCP transfer and a UDP
#     stream for the whole run: ext -> HOST:8080 -> C1 (DNAT), C2 -> ext
#     (MASQUERADE) and C2 -> C1 (bridged).
#   - Churners k1..k$CHURN_SLOTS (172.17.1.N) are created and deleted at
#     random, between CHURN_MIN and CHURN_MAX alive; each keeps a TCP
#     connection and a UDP socket busy towards ext or C2, and odd ones
#     publish port 7000 as HOST:9000+N (Docker's rules added and removed
#     with them) with ext keeping a connection to it. A churner goes either
#     by `ip link del` of its veth under traffic or as Docker does
#     (processes stopped, namespace deleted).
#   - With scon, every few events one of flush, apply, detach+attach and
#     rmmod+insmod (in a shuffled order, so each comes up) happens.
# The run lasts CHURN_SECS (default 60; `make test-churn`: 600), at most
# CHURN_EVENTS events; its random choices come from the seed in the log
# (CHURN_SEED=N repeats a run).
# Expected: every device deletion returns (or the veth is gone) within
# 5 s; after each deletion no cached flow names a device that no longer
# exists (1.5 s allowed); survivors' transfers complete byte-identical and
# their streams lose at most CHURN_UDP_LOSS_PCT percent; at the end, with
# the traffic stopped, a flush leaves scon 0 flows, and after rmmod the
# slab counters are back to where they started (see slab_check). The
# suite checks the kernel log for oopses, refcount warnings and
# "unregister_netdevice: waiting".

CASE_MODES="off scon"
CASE_IPT=iptables-nft
CHURN_SECS=${CHURN_SECS:-60}
CASE_TIMEOUT=$((CHURN_SECS + 240))

CHURN_SLOTS=12
CHURN_MIN=3
CHURN_MAX=10
CHURN_START=6
CHURN_EVENTS=5000
CHURN_UDP_LOSS_PCT=3
CHURN_RATE=100000	# bytes/s of each survivor's transfer
SURVIVE_SECS=$((CHURN_SECS + 60))	# the survivors' traffic spans filling and churn

for _n in $(seq "$CHURN_SLOTS"); do
	NAMESPACES="${NAMESPACES:-} k$_n"	# topo_down removes what a failed run leaves
done
unset _n

declare -A churn_alive=() churn_ifindex=()
churn_created=0
churn_deleted=0
churn_events=0
declare -A churn_did=()

case_churn() {
	churn_seed
	slab_settled
	churn_servers || return 1
	survivors_start || return 1
	churn_fill
	churn_loop
	churn_drain
	survivors_check
	churn_end_scon
	slab_after_check
}

churn_seed() {
	CHURN_SEED=${CHURN_SEED:-$(( $(now_ms) % 32768 ))}
	RANDOM=$CHURN_SEED
	log "churn seed $CHURN_SEED (CHURN_SEED=$CHURN_SEED repeats it), $CHURN_SECS s, churners $CHURN_MIN..$CHURN_MAX of $CHURN_SLOTS slots"
}

# ---- slab counters --------------------------------------------------------------

# The caches a leak in this churn would grow: network namespaces (held by
# a device reference), conntrack entries (held by a cached flow), socket
# buffers. scon's own cache goes with the module: kmem_cache_destroy
# warns (in dmesg) if it still held objects.
SLAB_CACHES="net_namespace nf_conntrack skbuff_head_cache"

# slab_snapshot NAME: active objects of SLAB_CACHES and SUnreclaim (kB) in
# $LOGDIR/slab-NAME. Each cache is shrunk first where the kernel allows,
# so that objects free in per-CPU slabs do not count as active.
# slab_settled: the "before" snapshot once the namespaces of the case
# before this one are freed (their cleanup runs from a workqueue): when
# two snapshots a second apart agree on net_namespace, 10 s at most.
slab_settled() {
	local last=x i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		slab_snapshot before
		[ "$(slab_value before net_namespace)" != "$last" ] || return 0
		last=$(slab_value before net_namespace)
		sleep 1
	done
}

slab_snapshot() {
	local c
	for c in $SLAB_CACHES; do
		[ ! -w "/sys/kernel/slab/$c/shrink" ] || echo 1 >"/sys/kernel/slab/$c/shrink"
	done
	{
		for c in $SLAB_CACHES; do
			awk -v c="$c" '$1 == c { print c, $2, $5; f = 1 } END { if (!f) print c, 0, 1 }' /proc/slabinfo
		done
		awk '$1 == "SUnreclaim:" { print "SUnreclaim", $2, 1 }' /proc/meminfo
	} >"$LOGDIR/slab-$1"
	log "slab $1: $(tr '\n' ';' <"$LOGDIR/slab-$1")"
}

# slab_value NAME KEY: active objects (or kB) of KEY in snapshot NAME.
slab_value() { awk -v k="$2" '$1 == k { print $2 }' "$LOGDIR/slab-$1"; }

# slab_per_slab KEY: objects per slab of cache KEY.
slab_per_slab() { awk -v k="$1" '$1 == k { print $3 }' "$LOGDIR/slab-before"; }

# slab_check: after the churn, once everything it made is gone:
# - net_namespace exactly as before (each churner's namespace must be
#   freed; one leaked device reference keeps one alive), allowing one
#   slab when the kernel cannot shrink the cache;
# - nf_conntrack and skbuff_head_cache at most two slabs' worth above
#   (objects parked in per-CPU slabs of 2 CPUs count as active; a
#   reference leaked per flow or per packet over a run of thousands of
#   flows would be far above);
# - SUnreclaim at most 4 MB above (page-sized caches and per-CPU lists
#   move by a few hundred kB between runs without any leak; 4 MB is ten
#   times that, still less than 100 leaked namespaces would take).
slab_check() {
	local c allow
	for c in $SLAB_CACHES; do
		allow=$((2 * $(slab_per_slab "$c")))
		[ "$c" != net_namespace ] || allow=0
		[ "$c" != net_namespace ] || [ -w "/sys/kernel/slab/$c/shrink" ] || allow=$(slab_per_slab "$c")
		check_le "$(slab_value after "$c")" $(($(slab_value before "$c") + allow)) \
			"$c active objects after the churn (before + $allow)"
	done
	check_le "$(slab_value after SUnreclaim)" $(($(slab_value before SUnreclaim) + 4096)) \
		"SUnreclaim kB after the churn (before + 4096)"
}

# slab_after_check: conntrack emptied, the namespaces' cleanup (a
# workqueue) given up to 20 s, then the snapshot and its check.
slab_after_check() {
	local want end
	run conntrack -F 2>/dev/null
	want=$(slab_value before net_namespace)
	end=$(($(now_ms) + 20000))
	while [ "$(now_ms)" -lt "$end" ]; do
		slab_snapshot after
		[ "$(slab_value after net_namespace)" -gt "$want" ] || break
		sleep 1
	done
	slab_check
}

# ---- servers and survivors ---------------------------------------------------

# churn_servers: echo servers the churners keep busy, in ext and in C2.
churn_servers() {
	spawn echo-ext $((CHURN_SECS + 200)) ext "$TOOLS/rtt" serve -l :7000 -for $((CHURN_SECS + 190))s
	spawn echo-c2 $((CHURN_SECS + 200)) c2 "$TOOLS/rtt" serve -l :7000 -for $((CHURN_SECS + 190))s
	wait_listen ext tcp 7000 && wait_listen c2 tcp 7000
}

# survivor_xfer NAME SRV_NS PORT CLI_NS TARGET: a paced transfer from the
# client that lasts about CHURN_SECS.
survivor_xfer() {
	local secs=$((SURVIVE_SECS + 180)) bytes=$((CHURN_RATE * SURVIVE_SECS))
	spawn "$1.srv" "$secs" "$2" "$TOOLS/xfer" -l ":$3" -timeout $((secs - 10))s
	wait_listen "$2" tcp "$3" || return 1
	spawn "$1.cli" "$secs" "$4" "$TOOLS/xfer" -c "$5" -timeout $((secs - 10))s \
		-rate "$CHURN_RATE" -send "$bytes" -seed "$RANDOM"
}

# survivor_udp NAME SRV_NS PORT CLI_NS TARGET: a UDP stream for CHURN_SECS.
survivor_udp() {
	spawn "$1.srv" $((SURVIVE_SECS + 90)) "$2" "$TOOLS/udprr" serve -l ":$3" -for $((SURVIVE_SECS + 80))s
	wait_listen "$2" udp "$3" || return 1
	spawn "$1.cli" $((SURVIVE_SECS + 30)) "$4" "$TOOLS/udprr" stream -c "$5" \
		-interval 50ms -for "${SURVIVE_SECS}s"
}

SURVIVORS="dnat masq bridged"

survivors_start() {
	survivor_xfer dnat c1 80 ext "$HOST_UP:8080" &&
		survivor_udp dnat-udp c1 80 ext "$HOST_UP:8080" &&
		survivor_xfer masq ext 6000 c2 "$EXT_IP:6000" &&
		survivor_udp masq-udp ext 6001 c2 "$EXT_IP:6001" &&
		survivor_xfer bridged c1 5201 c2 "$C1_IP:5201" &&
		survivor_udp bridged-udp c1 5201 c2 "$C1_IP:5201"
}

# survivors_check: every transfer byte-identical, every stream within
# CHURN_UDP_LOSS_PCT percent of loss.
survivors_check() {
	local s sent replies
	for s in $SURVIVORS; do
		xfer_check "$s" $((CHURN_RATE * SURVIVE_SECS))
		reap "$s-udp.cli" || fail "$s-udp: udprr stream failed"
		sent=$(sed -n 's/^udprr sent=\([0-9]*\).*/\1/p' "$LOGDIR/$s-udp.cli.out")
		replies=$(sed -n 's/^udprr .* replies=\([0-9]*\).*/\1/p' "$LOGDIR/$s-udp.cli.out")
		check_ge "${sent:-0}" $((SURVIVE_SECS * 5)) "$s-udp: datagrams sent (20 a second planned)"
		check_le $((100 - $(percent "${replies:-0}" "${sent:-0}"))) "$CHURN_UDP_LOSS_PCT" \
			"$s-udp: percent of datagrams lost"
	done
}

# ---- churners ---------------------------------------------------------------------

churn_ip() { echo "172.17.1.$1"; }

# churn_rules -A|-D N: Docker's rules for churner N's published port 7000
# as HOST:9000+N, TCP and UDP (odd N only), added or deleted in one
# $IPT-restore --noflush (one process: iptables is slow to start under
# QEMU).
churn_rules() {
	local op=$1 n=$2 rules
	[ $((n % 2)) = 1 ] || return 0
	rules=$(
		echo '*filter'
		docker_filter_port tcp $((9000 + n)) "$(churn_ip "$n")" 7000
		docker_filter_port udp $((9000 + n)) "$(churn_ip "$n")" 7000
		echo COMMIT
		echo '*nat'
		docker_nat_port tcp $((9000 + n)) "$(churn_ip "$n")" 7000
		docker_nat_port udp $((9000 + n)) "$(churn_ip "$n")" 7000
		echo COMMIT
	)
	rules=${rules//-A /$op }
	say "$IPT-restore --noflush <<EOF"
	sed 's/^/    /' <<<"$rules"
	"$IPT-restore" --noflush <<<"$rules" || fail "$IPT-restore --noflush refused churner $n's rules ($op)"
}

churn_add() {
	local n=$1 name=k$1 target=$EXT_IP:7000
	[ $((n % 2)) = 1 ] || target=$C2_IP:7000
	container_add "$name" "$(churn_ip "$n")"
	# Connections of a container deleted under traffic end as orphans
	# retransmitting into a missing device; by default they (and so the
	# namespace) live on for a minute or more, which would hide a real
	# namespace leak from slab_check.
	nsrun "$name" sysctl -qw net.ipv4.tcp_orphan_retries=1 net.ipv4.tcp_fin_timeout=2
	churn_ifindex[$n]=$(cat "/sys/class/net/veth$name/ifindex")
	churn_rules -A "$n"
	spawn "keep-$name" $((CHURN_SECS + 60)) "$name" "$TOOLS/flood" keep -c "$target" \
		-interval 200ms -for $((CHURN_SECS + 50))s
	if [ $((n % 2)) = 1 ]; then
		spawn "echo-$name" $((CHURN_SECS + 60)) "$name" "$TOOLS/rtt" serve -l :7000 -for $((CHURN_SECS + 50))s
		wait_listen "$name" tcp 7000 &&
			spawn "keep-ext-$name" $((CHURN_SECS + 60)) ext "$TOOLS/flood" keep \
				-c "$HOST_UP:$((9000 + n))" -interval 200ms -for $((CHURN_SECS + 50))s
	fi
	churn_alive[$n]=1
	churn_created=$((churn_created + 1))
}

# churn_del N: churner N goes, by `ip link del` under traffic or the
# Docker way, chosen at random.
churn_del() {
	local n=$1 name=k$1 t0 took rc=0 how=netns
	if [ $((RANDOM % 2)) = 0 ]; then
		how=link
		t0=$(now_ms)
		run timeout 20 ip link del "veth$name" || rc=$?
		took=$(($(now_ms) - t0))
		container_del "$name"
	else
		kill_in_ns "$name"
		t0=$(now_ms)
		run ip netns del "$name"
		wait_gone "veth$name" 20 || rc=1
		took=$(($(now_ms) - t0))
	fi
	check_eq "$rc" 0 "$name deleted ($how)"
	check_lt "$took" 5000 "ms to delete $name ($how)"
	forget_spawned "keep-$name" "echo-$name" "keep-ext-$name"
	churn_rules -D "$n"
	unset "churn_alive[$n]"
	churn_deleted=$((churn_deleted + 1))
	flows_name_live_devices "$name"
}

# forget_spawned NAME...: end these spawned processes if still running and
# drop their PIDs from the case's list, so that teardown never signals a
# PID the system has given to another process since.
forget_spawned() {
	local name pid
	for name in "$@"; do
		[ -f "$LOGDIR/$name.pid" ] || continue
		pid=$(cat "$LOGDIR/$name.pid")
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		sed -i "/^$pid\$/d" "$CASE_PIDS"
		rm -f "$LOGDIR/$name.pid"
	done
}

# wait_gone DEV SECS: until the host's DEV is gone (a namespace's cleanup
# removes its veth pair from a workqueue).
wait_gone() {
	local end=$(($(now_ms) + $2 * 1000))
	while [ -e "/sys/class/net/$1" ]; do
		[ "$(now_ms)" -lt "$end" ] || { fail "$1 still there $2 s after its namespace went"; return 1; }
		sleep 0.05
	done
}

# dead_flows: cached flow directions naming an ifindex no device has.
dead_flows() {
	local live
	live=$(cat /sys/class/net/*/ifindex | paste -sd, -)
	scon_flows | jq -c "[$live, 0] as \$live | .[] |
		select(((.in_ifindex | IN(\$live[])) and (.out_ifindex | IN(\$live[]))) | not)"
}

# flows_name_live_devices NAME: with scon loaded, within 1.5 s of NAME's
# deletion no cached flow names a device that is gone.
flows_name_live_devices() {
	local end=$(($(now_ms) + 1500)) dead
	[ "$SCON" = 1 ] && scon_loaded || return 0
	while :; do
		dead=$(dead_flows)
		[ -n "$dead" ] || return 0
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.2
	done
	fail "cached flows name deleted devices 1.5 s after $1 went: $(head -n 3 <<<"$dead")"
}

# churn_fill: the first CHURN_START churners.
churn_fill() {
	local n
	for n in $(seq "$CHURN_START"); do
		churn_add "$n"
	done
}

# churn_pick_free, churn_pick_alive: set PICK to a free or a live slot.
# Not through $(...): bash reseeds RANDOM in a subshell, which would
# make the run impossible to repeat from its seed.
churn_pick_free() {
	local free=() n
	for ((n = 1; n <= CHURN_SLOTS; n++)); do
		[ -n "${churn_alive[$n]:-}" ] || free+=("$n")
	done
	PICK=${free[RANDOM % ${#free[@]}]}
}

churn_pick_alive() {
	local alive=("${!churn_alive[@]}")
	PICK=${alive[RANDOM % ${#alive[@]}]}
}

# churn_loop: events at random intervals (0.2 to 1.5 s) until CHURN_SECS
# or CHURN_EVENTS: create or delete a churner, or, one time in two with
# scon, the next scon event of the shuffled deck.
churn_loop() {
	local end=$(($(now_ms) + CHURN_SECS * 1000)) i alive
	for ((i = 0; i < CHURN_EVENTS; i++)); do
		[ "$(now_ms)" -lt "$end" ] || break
		alive=${#churn_alive[@]}
		if [ "$SCON" = 1 ] && [ $((RANDOM % 2)) = 0 ]; then
			scon_event
		elif [ "$alive" -lt "$CHURN_MIN" ] ||
			{ [ "$alive" -lt "$CHURN_MAX" ] && [ $((RANDOM % 2)) = 0 ]; }; then
			churn_pick_free
			churn_add "$PICK"
		else
			churn_pick_alive
			churn_del "$PICK"
		fi
		sleep_ms $((200 + RANDOM % 1300))
	done
	churn_events=$i
}

churn_summary() {
	log "churn summary: seed $CHURN_SEED, $churn_events events in $CHURN_SECS s, containers created $churn_created, deleted $churn_deleted (plus 2 survivors); scon: flush ${churn_did[flush]:-0}, apply ${churn_did[apply]:-0}, detach+attach ${churn_did[detach]:-0}, rmmod+insmod ${churn_did[reload]:-0}"
}

sleep_ms() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }

# ---- scon events --------------------------------------------------------------------

scon_deck=()

# scon_event: the next of flush, apply, detach and reload, drawn from a
# deck shuffled again whenever it is empty.
scon_event() {
	local kind
	[ ${#scon_deck[@]} -gt 0 ] || scon_deck_shuffle
	kind=${scon_deck[0]}
	scon_deck=("${scon_deck[@]:1}")
	"scon_$kind"
	churn_did[$kind]=$((${churn_did[$kind]:-0} + 1))
}

# scon_deck_shuffle: a new deck, Fisher-Yates with $RANDOM.
scon_deck_shuffle() {
	local i j t
	scon_deck=(flush apply detach reload)
	for ((i = ${#scon_deck[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		t=${scon_deck[i]}
		scon_deck[i]=${scon_deck[j]}
		scon_deck[j]=$t
	done
}

churn_config() {
	printf 'enabled: true\nbridges: [docker0]\nuplinks: [up0]\n' >"$LOGDIR/scon.yaml"
	echo "$LOGDIR/scon.yaml"
}

scon_flush() {
	run timeout 10 "$SCONCTL" flush || fail "sconctl flush"
}

scon_apply() {
	run timeout 10 "$SCONCTL" apply -f "$(churn_config)" || fail "sconctl apply"
}

scon_detach() {
	run timeout 10 "$SCONCTL" detach docker0 up0 || fail "sconctl detach"
	sleep "0.$((RANDOM % 10))"
	run timeout 10 "$SCONCTL" attach docker0 up0 || fail "sconctl attach"
}

# scon_reload: rmmod (timed: a leaked reference would hang it), then
# insmod, attach and the configuration again.
scon_reload() {
	local t0 took
	t0=$(now_ms)
	scon_down
	took=$(($(now_ms) - t0))
	check_lt "$took" 10000 "ms rmmod took"
	log "rmmod in $took ms"
	sleep "0.$((RANDOM % 10))"
	scon_up
	scon_apply
}

# ---- the end ------------------------------------------------------------------------

# churn_drain: every churner goes, then the survivors finish.
churn_drain() {
	local n
	for n in "${!churn_alive[@]}"; do
		churn_del "$n"
	done
	churn_summary
}

# churn_end_scon: with the traffic stopped, no flow names a dead device,
# a flush leaves 0 flows, and the module unloads.
churn_end_scon() {
	[ "$SCON" = 1 ] || return 0
	check_eq "$(dead_flows | grep -c .)" 0 "cached flows naming deleted devices at the end"
	run timeout 10 "$SCONCTL" flush || fail "sconctl flush"
	check_eq "$(scon_status .flow_count)" 0 "flow count after the final flush"
	check_eq "$(scon_flows | jq length)" 0 "flows listed after the final flush"
	scon_down
}
