# shellcheck shell=bash disable=SC2034
# flood: a flood of short connections fills scon's cache while an
# established flow runs.
#   1. C1 serves TCP and UDP echo behind the published ports 8080 and
#      5201. With scon, max_flows is lowered to FLOOD_MAX_FLOWS.
#   2. ext makes UDP round trips through 5201 from one fixed source port,
#      FLOOD_PHASE_SECS without the flood: with scon, that flow is cached.
#   3. ext floods 8080 with new TCP connections and new UDP source ports
#      (up to FLOOD_RATE a second each, far more than FLOOD_MAX_FLOWS)
#      while `flood watch` samples scon's flow count every 100 ms; once
#      the cache is full (scon counts flows_refused_full) the same UDP
#      flow makes round trips again for FLOOD_PHASE_SECS.
# Expected: every flood connection works (the normal path serves what the
# cache cannot hold); the flow count never exceeds max_flows; the
# established flow keeps its cache entry (its age covers the whole run)
# and its packets stay on the express path during the flood,
# and its median round trip is at most FLOOD_RTT_RATIO times the one
# without the flood (measured side by side; without scon too, which shows
# what the flood costs by itself under QEMU).

CASE_MODES="off scon"
CASE_IPT=iptables-nft
CASE_TIMEOUT=200

FLOOD_MAX_FLOWS=32
FLOOD_RATE=60
FLOOD_SECS=25
FLOOD_PHASE_SECS=6
FLOOD_RTT_RATIO=5
FLOOD_SPORT=40000

case_flood() {
	spawn echo80 150 c1 "$TOOLS/rtt" serve -l :80 -for 140s
	spawn echo5201 150 c1 "$TOOLS/rtt" serve -l :5201 -for 140s
	wait_listen c1 tcp 80 && wait_listen c1 udp 5201 || return 1
	[ "$SCON" = 0 ] || flood_limit

	established_rtt quiet || return 1
	[ "$SCON" = 0 ] || established_cached quiet
	flood_start
	sleep 2	# the flood's own start-up, in both modes
	[ "$SCON" = 0 ] || wait_full || return 1
	established_rtt flood
	[ "$SCON" = 0 ] || established_kept

	flood_check
	rtt_compare
}

# flood_limit: scon as scon_up left it, but with a small cache. The idle
# timeout (20 s) lets the first flood entries leave, and new ones compete
# for their slots, before the flood ends; it is twice the pause the
# established flow makes between its two phases under QEMU.
flood_limit() {
	printf 'enabled: true\nbridges: [docker0]\nuplinks: [up0]\nmax_flows: %d\nidle_timeout: 20s\n' \
		"$FLOOD_MAX_FLOWS" >"$LOGDIR/scon.yaml"
	run timeout 10 "$SCONCTL" apply -f "$LOGDIR/scon.yaml" || die "sconctl apply (max_flows $FLOOD_MAX_FLOWS)"
	check_eq "$(scon_status .max_flows)" "$FLOOD_MAX_FLOWS" "max_flows after apply"
}

# established_rtt PHASE: UDP round trips from ext's fixed source port.
established_rtt() {
	local out rc=0
	say "[ext] rtt udp -bind :$FLOOD_SPORT -c $HOST_UP:5201 -for ${FLOOD_PHASE_SECS}s > rtt-$1.out"
	out=$(innet ext timeout 60 "$TOOLS/rtt" udp -bind ":$FLOOD_SPORT" -c "$HOST_UP:5201" \
		-n 1000000 -for "${FLOOD_PHASE_SECS}s" 2>&1) || rc=$?
	echo "$out" >"$LOGDIR/rtt-$1.out"
	echo "  $out"
	[ "$rc" = 0 ] || fail "established flow, $1: rtt udp failed: $out"
}

# rtt_field PHASE KEY: a value of that phase's rtt result line.
rtt_field() {
	sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$LOGDIR/rtt-$1.out"
}

# established_cached PHASE: one listing of the flows (sconctl is slow to
# start under QEMU, and the pause between the phases must stay shorter
# than the idle timeout) in flows-PHASE.json, taken at flows-PHASE.ms;
# the established flow must be in it, ready.
established_cached() {
	now_ms >"$LOGDIR/flows-$1.ms"
	scon_flows >"$LOGDIR/flows-$1.json"
	echo "  flow: $(established_field "$1" .)"
	check_eq "$(established_field "$1" .ready)" true "established flow cached and ready, $1"
}

# established_field PHASE JQ: a field of the established flow's original
# direction in that phase's listing ("null" if not cached).
established_field() {
	jq -c "[.[] | select(.proto == \"udp\" and .src == \"$EXT_IP\" and .sport == $FLOOD_SPORT)][0] | $2" \
		"$LOGDIR/flows-$1.json"
}

# established_kept: after the flood, the established flow is the same
# cache entry as before it (its age covers the time between the
# listings, less 3 s for the time a listing takes to start), and half
# the round trips made during the flood went express at least.
established_kept() {
	local age0 age1 since packets
	established_cached flood
	age0=$(established_field quiet .age_ms)
	age1=$(established_field flood .age_ms)
	since=$(($(cat "$LOGDIR/flows-flood.ms") - $(cat "$LOGDIR/flows-quiet.ms")))
	check_ge "${age1//null/0}" $((${age0//null/0} + since - 3000)) \
		"established flow's age (ms) after the flood: never evicted"
	packets=$(($(established_field flood .packets | sed s/null/0/) - $(established_field quiet .packets | sed s/null/0/)))
	check_ge "$packets" $(($(rtt_field flood n) / 2)) \
		"established flow's express packets during the flood (half its round trips)"
}

flood_start() {
	local proto
	for proto in tcp udp; do
		spawn "flood-$proto" $((FLOOD_SECS + 30)) ext "$TOOLS/flood" conns -c "$HOST_UP:8080" \
			-proto "$proto" -n $((FLOOD_RATE * FLOOD_SECS)) -rate "$FLOOD_RATE" -for "${FLOOD_SECS}s"
	done
	[ "$SCON" = 0 ] || spawn watch $((FLOOD_SECS + 15)) - "$TOOLS/flood" watch -every 100ms -for $((FLOOD_SECS + 5))s
}

# watch_field KEY: one value per sample of `flood watch`.
watch_field() { sed -n "s/^watch .*$1=\([0-9]*\).*/\1/p" "$LOGDIR/watch.out"; }

# wait_full: until scon refuses flows for a full cache (10 s).
wait_full() {
	local end=$(($(now_ms) + 10000)) refused
	while [ "$(now_ms)" -lt "$end" ]; do
		refused=$(watch_field flows_refused_full | sed -n '1p;$p' | paste -sd' ')
		[ "${refused% *}" = "${refused#* }" ] || { log "cache full: flows_refused_full $refused"; return 0; }
		sleep 0.2
	done
	fail "flows_refused_full stayed at ${refused:-nothing} 10 s into the flood: the cache never filled"
}

flood_check() {
	local proto tried
	for proto in tcp udp; do
		reap "flood-$proto" || fail "flood $proto: exit status not 0"
		tried=$(sed -n 's/.* tried=\([0-9]*\).*/\1/p' "$LOGDIR/flood-$proto.out")
		check_ge "${tried:-0}" $((FLOOD_MAX_FLOWS * 10)) "flood $proto: connections tried (10 x max_flows)"
		check_eq "$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' "$LOGDIR/flood-$proto.out")" "${tried:-0}" \
			"flood $proto: connections that worked"
	done
	[ "$SCON" = 0 ] || flow_count_check
}

# flow_count_check: every sample within max_flows, the cache full at
# least once (else the flood proved nothing), and scon counting the
# flows it refused.
flow_count_check() {
	local samples highest refused
	reap watch >/dev/null || fail "flood watch failed: $(tail -n 1 "$LOGDIR/watch.out")"
	samples=$(watch_field flow_count | grep -c .)
	highest=$(watch_field flow_count | sort -n | tail -n 1)
	log "flow count: $samples samples, highest ${highest:-none}; samples per count: $(watch_field flow_count | sort -n | uniq -c | tr -s ' \n' ' ')"
	check_ge "$samples" 50 "flow count samples during the flood"
	check_le "${highest:-0}" "$FLOOD_MAX_FLOWS" "highest flow count during the flood"
	check_ge "${highest:-0}" $((FLOOD_MAX_FLOWS - 2)) "highest flow count during the flood (cache filled)"
	refused=$(watch_field flows_refused_full | sed -n '1p;$p' | paste -sd' ')
	check_ge $((${refused#* } - ${refused% *})) 1 "flows_refused_full during the flood ($refused)"
}

# rtt_compare: the median round trip during the flood against the one
# before it, in integer tenths.
rtt_compare() {
	local quiet flood
	quiet=$(rtt_field quiet p50_us)
	flood=$(rtt_field flood p50_us)
	log "established flow p50: ${quiet:-?} us without the flood, ${flood:-?} us with it"
	[ -n "$quiet" ] && [ -n "$flood" ] || { fail "no round-trip figures"; return 1; }
	check_le $((flood * 10 / (quiet > 0 ? quiet : 1))) $((FLOOD_RTT_RATIO * 10)) \
		"established flow p50 round trip with the flood / without, x10"
}
