# shellcheck shell=bash disable=SC2034
# checksum (field case 9): checksums over veth. For every combination of
# c1's tx checksumming and up0's tx checksumming and segmentation
# offloads (on/off each), 5 MB each way ext <-> c1 (DNAT) and c1 <-> srv
# (MASQUERADE), and 200 UDP request/responses c1 -> srv and ext -> c1:
#   - every copy byte-identical, every UDP answer intact;
#   - no receiver counts a checksum error (Tcp and Udp InCsumErrors in
#     c1, ext and srv).
# Then rtr corrupts 2% of what it sends to the host (netem) while c1
# downloads 5 MB from srv: the copy is still byte-identical, and TCP
# checksum errors are counted where the corrupted packets were dropped,
# not delivered (nor had their checksums made right on the way): in c1,
# or in the host, whose conntrack calls a packet with a bad checksum
# invalid, so that it misses the NAT and meets the host's own stack.

TOPO_RTR=1
CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=420

case_checksum() {
	local size=5000000 ctx up e0
	e0=$(scon_counter express_packets)
	for ctx in on off; do
		for up in on off; do
			offloads "$ctx" "$up"
			both_ways "c1 tx $ctx, up0 tx/gso $up" "$size"
		done
	done
	offloads on on
	[ "$SCON" = 0 ] || check_ge $(($(scon_counter express_packets) - e0)) $((8 * size / 1448 / 2)) \
		"express packets (at least half of the data segments)"
	corrupted "$size"
}

# offloads CTX UP: c1's tx checksumming, and up0's tx checksumming and
# segmentation offloads.
offloads() {
	nsrun c1 ethtool -K eth0 tx "$1" >/dev/null
	run ethtool -K up0 tx "$2" tso "$2" gso "$2" >/dev/null
}

# both_ways WHAT BYTES: the four transfers at once, then UDP, then the
# checksum error counters.
both_ways() {
	local what=$1 size=$2 t errs
	log "$what"
	errs=$(csum_errors)
	xfer_start in c1 80 ext "$HOST_UP:8080" cli "$size"
	xfer_start out ext 7000 c1 "$EXT_IP:7000" cli "$size"
	xfer_start up srv 7001 c1 "$SRV_IP:7001" cli "$size"
	xfer_start down srv 7002 c1 "$SRV_IP:7002" srv "$size"
	for t in in out up down; do
		xfer_check "$t" "$size" || fail "$what: transfer $t"
	done
	udp_serve udp.srv srv 7003 && udp_count c1 "$SRV_IP:7003" 200
	udp_serve udp.c1 c1 80 && udp_count ext "$HOST_UP:8080" 200
	stop_spawned
	check_eq "$(csum_errors)" "$errs" "$what: checksum errors counted in c1, ext and srv"
}

# corrupted BYTES: c1 downloads from srv while rtr corrupts 2% of what it
# sends to the host.
corrupted() {
	local size=$1 before
	before=$(($(ns_csum_errors c1) + $(ns_csum_errors -)))
	run modprobe sch_netem
	# netem corrupts one bit of a packet's headers, once per GSO packet:
	# srv sends plain segments, so that 2% of about 3,500 are hit.
	nsrun srv ethtool -K eth0 tso off gso off >/dev/null
	run ip netns exec rtr tc qdisc add dev eth0 root netem corrupt 2%
	xfer_start bad srv 7004 c1 "$SRV_IP:7004" srv "$size" 500000
	xfer_check bad "$size"
	run ip netns exec rtr tc qdisc del dev eth0 root
	check_ge $(($(ns_csum_errors c1) + $(ns_csum_errors -) - before)) 1 \
		"checksum errors counted in c1 and the host under corruption"
}

# ns_csum_errors NS: Tcp plus Udp InCsumErrors in NS.
ns_csum_errors() {
	innet "$1" awk '
		$1 == "Tcp:" && $2 !~ /^[0-9]+$/ { for (i = 2; i <= NF; i++) if ($i == "InCsumErrors") t = i }
		$1 == "Tcp:" && $2 ~ /^[0-9]+$/ { n += $t }
		$1 == "Udp:" && $2 !~ /^[0-9]+$/ { for (i = 2; i <= NF; i++) if ($i == "InCsumErrors") u = i }
		$1 == "Udp:" && $2 ~ /^[0-9]+$/ { n += $u }
		END { print n + 0 }' /proc/net/snmp
}

csum_errors() {
	echo $(($(ns_csum_errors c1) + $(ns_csum_errors ext) + $(ns_csum_errors srv)))
}
