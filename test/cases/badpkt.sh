# shellcheck shell=bash disable=SC2034
# badpkt (issue 4, hostile input): malformed and unusual packets, crafted
# with a raw socket (test/tools/badpkt), at scon's attached devices. Two
# directions at once:
#
#   dnat  ext -> up0 10.0.0.2:8080 (DNAT) -> c1:80, seen arriving in c1
#   masq  c1 -> docker0 -> ext:7000 (MASQUERADE), seen arriving in ext
#
# Each direction sends the probe set of the tool (truncated and bad IPv4
# headers, IHL, options, lengths, fragments, checksums, UDP lengths, TCP
# header lengths and flags, TTL 0/1/2, VLAN tags) on new flows and on a
# TCP connection and a UDP flow that the warm-up put in the cache (scon's
# express path when scon is on), and records per probe what arrived
# (addresses and ports after NAT, lengths, TTL, checksums, data digest)
# and what came back (ICMP type/code, RST, ACK, UDP reply), or nothing.
#
#   set   the outcome of every probe must be the one in EXPECTED below,
#         with scon as without it; the cached flows echo byte for byte
#         afterwards (and, with scon, still on the express path); with
#         scon, each malformed, fragment, option, TTL and TCP-flag probe
#         is counted exactly once in its fb_* counter.
#   drop  a DROP rule for c1 goes in (iptables in DOCKER-USER, and nft at
#         the forward hook) after the flows are cached; once the
#         revalidation allowance has passed, no probe may arrive at all.
#
# The run with scon also compares its full outcome tables, line by line,
# with those of the run without scon of the same suite run (the suite
# runs mode off first, in the same VM boot, and keeps each run's
# $LOGDIR): any difference in what arrived, how, or what came back fails.
# ICMP and TCP rate limits are off and the fragment reassembly timeout is
# 1 s in the namespaces involved, so that every answer is deterministic.

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=300

BADPKT_SYSCTLS="net.ipv4.icmp_ratelimit=0 net.ipv4.tcp_invalid_ratelimit=0 net.ipv4.ipfrag_time=1"
BADPKT_HOST_RESTORE="net.ipv4.icmp_ratelimit=1000 net.ipv4.tcp_invalid_ratelimit=500 net.ipv4.ipfrag_time=30"
BADPKT_COUNTERS="fb_malformed fb_fragment fb_ip_options fb_ttl fb_tcp_flags"

case_badpkt() {
	badpkt_setup || return 1
	[ "$SCON" = 0 ] || scon_revalidate 60s # no revalidation inside the counted phase
	badpkt_set
	[ "$SCON" = 0 ] || scon_revalidate 1s
	badpkt_drop
	badpkt_compare_off
	# shellcheck disable=SC2086
	run sysctl -qw $BADPKT_HOST_RESTORE
}

badpkt_setup() {
	local ns
	for ns in - ext c1; do
		# shellcheck disable=SC2086
		nsrun "$ns" sysctl -qw $BADPKT_SYSCTLS || return 1
	done
	# No neighbour timer may revalidate the cached flows mid-phase.
	run ip neigh replace "$EXT_IP" lladdr "$(mac_of ext eth0)" dev up0 nud permanent
	run ip neigh replace "$C1_IP" lladdr "$(mac_of c1 eth0)" dev docker0 nud permanent
	spawn echo-c1 280 c1 "$TOOLS/badpkt" echo -l :80 -for 270s
	spawn echo-ext 280 ext "$TOOLS/badpkt" echo -l :7000 -for 270s
	wait_listen c1 udp 80 && wait_listen ext tcp 7000
}

# badpkt_start PHASE CPORT SPORT [ARGS...]: both directions' senders.
badpkt_start() {
	local phase=$1 cport=$2 sport=$3
	shift 3
	mkdir -p "$LOGDIR/$phase-dnat.sync" "$LOGDIR/$phase-masq.sync"
	spawn "$phase-dnat" 200 ext "$TOOLS/badpkt" run -i eth0 -dst-mac "$(mac_of - up0)" \
		-to "$HOST_UP:8080" -rx-ns /run/netns/c1 -rx-if eth0 -rx-port 80 \
		-id 0xb000 -sport "$sport" -cport "$cport" -sync "$LOGDIR/$phase-dnat.sync" "$@"
	spawn "$phase-masq" 200 c1 "$TOOLS/badpkt" run -i eth0 -dst-mac "$(mac_of - docker0)" \
		-to "$EXT_IP:7000" -rx-ns /run/netns/ext -rx-if eth0 -rx-port 7000 \
		-id 0xc000 -sport "$sport" -cport "$cport" -sync "$LOGDIR/$phase-masq.sync" "$@"
	badpkt_reached "$phase" warm
}

# badpkt_reached PHASE FILE: both senders wrote FILE (60 s at most).
badpkt_reached() {
	local dir end=$(($(now_ms) + 60000))
	for dir in dnat masq; do
		while [ ! -e "$LOGDIR/$1-$dir.sync/$2" ]; do
			[ "$(now_ms)" -lt "$end" ] || { fail "$1-$dir: no '$2' within 60 s: $(tail -n 2 "$LOGDIR/$1-$dir.out")"; return 1; }
			sleep 0.1
		done
	done
}

# badpkt_go PHASE FILE: let both senders go on.
badpkt_go() {
	touch "$LOGDIR/$1-dnat.sync/$2" "$LOGDIR/$1-masq.sync/$2"
}

# badpkt_cached CPORT: with scon, the four warm-up flows (TCP and UDP,
# each direction) are cached and ready, both ways.
badpkt_cached() {
	[ "$SCON" = 1 ] || return 0
	check_eq "$(scon_flows | jq "[.[] | select(.ready and (.sport == $1 or .dport == $1))] | length")" 8 \
		"ready cached flow directions of the warm-up (port $1)"
}

# badpkt_outcomes PHASE: the probe lines of both directions, to
# $LOGDIR/outcomes-PHASE.
badpkt_outcomes() {
	local dir
	for dir in dnat masq; do
		sed -n "s/^probe /$dir /p" "$LOGDIR/$1-$dir.out"
	done >"$LOGDIR/outcomes-$1"
	log "$1: $(wc -l <"$LOGDIR/outcomes-$1") probe outcomes"
	sed 's/^/  /' "$LOGDIR/outcomes-$1"
}

badpkt_set() {
	local -A before after
	local e0 e1
	badpkt_start set 39100 41000 -after || return 1
	badpkt_cached 39100
	counters_get before
	badpkt_go set probe
	badpkt_reached set probed || return 1
	counters_get after
	[ "$SCON" = 0 ] || counters_check before after
	e0=$(scon_counter express_packets)
	badpkt_go set after
	reap set-dnat || fail "set-dnat: $(tail -n 1 "$LOGDIR/set-dnat.out")"
	reap set-masq || fail "set-masq: $(tail -n 1 "$LOGDIR/set-masq.out")"
	e1=$(scon_counter express_packets)
	check_eq "$(cat "$LOGDIR/set-dnat.out" "$LOGDIR/set-masq.out" | grep -c '^after tcp=ok')" 2 \
		"cached flows echo byte for byte after the probes (both directions)"
	[ "$SCON" = 0 ] || check_ge $((e1 - e0)) 80 "express packets while the cached flows echo after the probes"
	badpkt_outcomes set
	badpkt_expected
}

# counters_get ARRAY: the fb_* counters of BADPKT_COUNTERS.
counters_get() {
	local -n c=$1
	local name json
	[ "$SCON" = 1 ] || return 0
	json=$(timeout 10 "$SCONCTL" status --json)
	for name in $BADPKT_COUNTERS fb_revalidate fb_no_memory fb_l2_mismatch; do
		c[$name]=$(jq -r ".counters.$name" <<<"$json")
	done
}

# counters_check BEFORE AFTER: each counter grew by what the probes of
# both directions announced ("expect" lines of the tool).
counters_check() {
	local -n b=$1 a=$2
	local name want
	log "counters during the probes: $(for name in "${!a[@]}"; do printf '%s+%s ' "$name" $((a[$name] - b[$name])); done)"
	for name in $BADPKT_COUNTERS; do
		want=$(grep -h '^expect ' "$LOGDIR/set-dnat.out" "$LOGDIR/set-masq.out" |
			grep -o "$name=[0-9]*" | awk -F= '{ n += $2 } END { if (NR) print n }')
		check_eq $((a[$name] - b[$name])) "${want:-missing}" "$name: probe frames counted"
	done
}

badpkt_drop() {
	local allow
	badpkt_start drop 39200 42000 || return 1
	badpkt_cached 39200
	run nft add table ip badpkt
	run nft add chain ip badpkt block '{ type filter hook forward priority 0; policy accept; }'
	run "$IPT" -I DOCKER-USER -d "$C1_IP" -j DROP
	run nft insert rule ip badpkt block ip saddr "$C1_IP" drop
	allow=1000
	[ "$SCON" = 0 ] || allow=$(scon_status .revalidate_ms)
	sleep "$(((allow + 500) / 1000)).$(printf %03d $(((allow + 500) % 1000)))"
	badpkt_go drop probe
	badpkt_reached drop probed
	badpkt_go drop after
	reap drop-dnat || fail "drop-dnat: $(tail -n 1 "$LOGDIR/drop-dnat.out")"
	reap drop-masq || fail "drop-masq: $(tail -n 1 "$LOGDIR/drop-masq.out")"
	run "$IPT" -D DOCKER-USER -d "$C1_IP" -j DROP
	run nft delete table ip badpkt
	badpkt_outcomes drop
	check_eq "$(grep -c ' outcome=delivered' "$LOGDIR/outcomes-drop")" 0 \
		"probes that arrived past the DROP rules"
	check_ge "$(wc -l <"$LOGDIR/outcomes-drop")" 100 "probes sent past the DROP rules"
}

# badpkt_compare_off: with scon, both outcome tables equal those of the
# run without scon (in BADPKT_OFF if set, to compare another module's run
# with the same tables).
badpkt_compare_off() {
	local off=${BADPKT_OFF:-${LOGDIR%-scon}-off} phase diffs
	[ "$SCON" = 1 ] || return 0
	for phase in set drop; do
		if [ ! -s "$off/outcomes-$phase" ]; then
			fail "no outcome table $off/outcomes-$phase of the run without scon (the suite runs mode off first)"
			continue
		fi
		diffs=$(diff "$off/outcomes-$phase" "$LOGDIR/outcomes-$phase")
		if [ -z "$diffs" ]; then
			echo "  ok: $phase: every probe's outcome as without scon"
		else
			sed 's/^/  /' <<<"$diffs"
			fail "$phase: outcomes differ from the run without scon: $(grep '^>' <<<"$diffs" | head -n 3 | paste -sd' ')"
		fi
	done
}

# badpkt_expected: each probe's outcome in the set phase, as EXPECTED says.
badpkt_expected() {
	local dir name outcome want seen=0
	while read -r dir name outcome _; do
		outcome=${outcome#outcome=}
		want=$(awk -v d="$dir" -v n="$name" '$1 == d && $2 == n { print $3 }' <<<"$EXPECTED")
		seen=$((seen + 1))
		[ "$outcome" = "$want" ] || fail "$dir $name: $outcome, want ${want:-(not in EXPECTED)}"
	done <"$LOGDIR/outcomes-set"
	check_eq "$seen" "$(grep -c . <<<"$EXPECTED")" "probes with an outcome"
}

# What the kernel does with each probe, scon or not: direction,
# context:probe, outcome. A packet conntrack calls invalid (bad TCP or UDP
# checksum or length, TCP without ACK) misses NAT: toward the published
# port it meets the host's own stack, which drops it or answers (RST,
# ICMP port unreachable); from the container it leaves with the
# container's own source address, as Docker's FORWARD rules accept it
# (the tables show 172.17.0.2 arriving in ext).
EXPECTED="
dnat new:ip-trunc              dropped
dnat new:ip-ihl4               dropped
dnat new:ip-ihl15              dropped
dnat new:ip-ihl-over-len       dropped
dnat new:ip-version            dropped
dnat new:ip-badcsum            dropped
dnat cudp:ip-badcsum           dropped
dnat ctcp:ip-badcsum           dropped
dnat new:ip-len-long           dropped
dnat cudp:ip-len-long          dropped
dnat ctcp:ip-len-long          dropped
dnat new:ip-len-short          delivered+reply
dnat cudp:ip-len-short         delivered+reply
dnat ctcp:ip-len-short         delivered+ack
dnat new:ip-opt-rr             delivered+reply
dnat cudp:ip-opt-rr            delivered+reply
dnat ctcp:ip-opt-rr            delivered+ack
dnat new:ip-opt-ra             delivered+reply
dnat new:ip-opt-bad            dropped+icmp-12/0
dnat cudp:ip-opt-bad           dropped+icmp-12/0
dnat ctcp:ip-opt-bad           dropped+icmp-12/0
dnat new:ip-evil               delivered+reply
dnat new:ttl0                  dropped+icmp-11/0
dnat cudp:ttl0                 dropped+icmp-11/0
dnat ctcp:ttl0                 dropped+icmp-11/0
dnat new:ttl1                  dropped+icmp-11/0
dnat cudp:ttl1                 dropped+icmp-11/0
dnat ctcp:ttl1                 dropped+icmp-11/0
dnat new:ttl2                  delivered+reply
dnat cudp:ttl2                 delivered+reply
dnat ctcp:ttl2                 delivered+ack
dnat new:frag-first            dropped+icmp-11/1
dnat cudp:frag-first           dropped+icmp-11/1
dnat ctcp:frag-first           dropped+icmp-11/1
dnat new:frag-pair             delivered+reply
dnat cudp:frag-pair            delivered+reply
dnat ctcp:frag-pair            delivered+ack
dnat new:frag-middle           dropped
dnat new:frag-last             dropped
dnat new:frag-overlap          dropped
dnat cudp:frag-overlap         dropped
dnat ctcp:frag-overlap         dropped
dnat new:frag-dup              delivered+reply
dnat new:vlan5                 dropped
dnat cudp:vlan5                dropped
dnat ctcp:vlan5                dropped
dnat new:vlan0                 delivered+reply
dnat cudp:vlan0                delivered+reply
dnat ctcp:vlan0                delivered+ack
dnat new:udp                   delivered+reply
dnat cudp:udp                  delivered+reply
dnat new:udp-empty             delivered+reply
dnat cudp:udp-empty            delivered+reply
dnat new:udp-mtu               delivered+reply
dnat cudp:udp-mtu              delivered+reply
dnat new:udp-nocsum            delivered+reply
dnat cudp:udp-nocsum           delivered+reply
dnat new:udp-badcsum           dropped
dnat cudp:udp-badcsum          dropped
dnat new:udp-len-long          dropped
dnat cudp:udp-len-long         dropped
dnat new:udp-len-tiny          dropped
dnat cudp:udp-len-tiny         dropped
dnat new:udp-len-short         dropped+icmp-3/3
dnat cudp:udp-len-short        dropped+icmp-3/3
dnat new:udp-len-short-nocsum  delivered+reply
dnat cudp:udp-len-short-nocsum delivered+reply
dnat new:udp-trunc             dropped
dnat cudp:udp-trunc            dropped
dnat new:udp-hdr-past-len      dropped
dnat cudp:udp-hdr-past-len     dropped
dnat new:tcp                   delivered+rst
dnat ctcp:tcp                  delivered
dnat new:tcp-data              delivered+rst
dnat ctcp:tcp-data             delivered+ack
dnat new:tcp-mtu               delivered+rst
dnat ctcp:tcp-mtu              delivered+ack
dnat new:tcp-badcsum           dropped
dnat ctcp:tcp-badcsum          dropped
dnat new:tcp-doff-long         dropped
dnat ctcp:tcp-doff-long        dropped
dnat new:tcp-doff-short        dropped
dnat ctcp:tcp-doff-short       dropped
dnat new:tcp-null              dropped+rst
dnat ctcp:tcp-null             dropped+rst
dnat new:tcp-psh               dropped+rst
dnat ctcp:tcp-psh              dropped+rst
dnat new:tcp-syn               delivered+ack
dnat ctcp:tcp-syn              delivered+ack
dnat new:tcp-trunc             dropped
dnat ctcp:tcp-trunc            dropped
dnat new:tcp-hdr-past-len      dropped
dnat ctcp:tcp-hdr-past-len     dropped
masq new:ip-trunc              dropped
masq new:ip-ihl4               dropped
masq new:ip-ihl15              dropped
masq new:ip-ihl-over-len       dropped
masq new:ip-version            dropped
masq new:ip-badcsum            dropped
masq cudp:ip-badcsum           dropped
masq ctcp:ip-badcsum           dropped
masq new:ip-len-long           dropped
masq cudp:ip-len-long          dropped
masq ctcp:ip-len-long          dropped
masq new:ip-len-short          delivered+reply
masq cudp:ip-len-short         delivered+reply
masq ctcp:ip-len-short         delivered+ack
masq new:ip-opt-rr             delivered+reply
masq cudp:ip-opt-rr            delivered+reply
masq ctcp:ip-opt-rr            delivered+ack
masq new:ip-opt-ra             delivered+reply
masq new:ip-opt-bad            dropped+icmp-12/0
masq cudp:ip-opt-bad           dropped+icmp-12/0
masq ctcp:ip-opt-bad           dropped+icmp-12/0
masq new:ip-evil               delivered+reply
masq new:ttl0                  dropped+icmp-11/0
masq cudp:ttl0                 dropped+icmp-11/0
masq ctcp:ttl0                 dropped+icmp-11/0
masq new:ttl1                  dropped+icmp-11/0
masq cudp:ttl1                 dropped+icmp-11/0
masq ctcp:ttl1                 dropped+icmp-11/0
masq new:ttl2                  delivered+reply
masq cudp:ttl2                 delivered+reply
masq ctcp:ttl2                 delivered+ack
masq new:frag-first            dropped
masq cudp:frag-first           dropped
masq ctcp:frag-first           dropped
masq new:frag-pair             delivered+reply
masq cudp:frag-pair            delivered+reply
masq ctcp:frag-pair            delivered+ack
masq new:frag-middle           dropped
masq new:frag-last             dropped
masq new:frag-overlap          dropped
masq cudp:frag-overlap         dropped
masq ctcp:frag-overlap         dropped
masq new:frag-dup              delivered+reply
masq new:vlan5                 dropped
masq cudp:vlan5                dropped
masq ctcp:vlan5                dropped
masq new:vlan0                 delivered+reply
masq cudp:vlan0                delivered+reply
masq ctcp:vlan0                delivered+ack
masq new:udp                   delivered+reply
masq cudp:udp                  delivered+reply
masq new:udp-empty             delivered+reply
masq cudp:udp-empty            delivered+reply
masq new:udp-mtu               delivered+reply
masq cudp:udp-mtu              delivered+reply
masq new:udp-nocsum            delivered+reply
masq cudp:udp-nocsum           delivered+reply
masq new:udp-badcsum           delivered
masq cudp:udp-badcsum          delivered
masq new:udp-len-long          delivered
masq cudp:udp-len-long         delivered
masq new:udp-len-tiny          delivered
masq cudp:udp-len-tiny         delivered
masq new:udp-len-short         delivered
masq cudp:udp-len-short        delivered
masq new:udp-len-short-nocsum  delivered+reply
masq cudp:udp-len-short-nocsum delivered+reply
masq new:udp-trunc             delivered
masq cudp:udp-trunc            delivered
masq new:udp-hdr-past-len      delivered
masq cudp:udp-hdr-past-len     delivered
masq new:tcp                   delivered+rst
masq ctcp:tcp                  delivered
masq new:tcp-data              delivered+rst
masq ctcp:tcp-data             delivered+ack
masq new:tcp-mtu               delivered+rst
masq ctcp:tcp-mtu              delivered+ack
masq new:tcp-badcsum           delivered
masq ctcp:tcp-badcsum          delivered
masq new:tcp-doff-long         delivered
masq ctcp:tcp-doff-long        delivered
masq new:tcp-doff-short        delivered
masq ctcp:tcp-doff-short       delivered
masq new:tcp-null              delivered
masq ctcp:tcp-null             delivered
masq new:tcp-psh               delivered
masq ctcp:tcp-psh              delivered
masq new:tcp-syn               delivered+ack
masq ctcp:tcp-syn              delivered+ack
masq new:tcp-trunc             delivered
masq ctcp:tcp-trunc            delivered
masq new:tcp-hdr-past-len      delivered
masq ctcp:tcp-hdr-past-len     delivered
"
