# shellcheck shell=bash disable=SC2034
# portmove (field case 16): the container moves to another bridge port.
# c1 gets a second interface, eth1 on bridge port p1, up but without an
# address; its first, eth0, is on vethc1 (p0). While ext downloads 5 MB
# from c1 (10.0.0.2:8080, paced) and keeps an interactive session with it
# (10.0.0.2:5201, a slow trickle), and c2 downloads 5 MB from c1 across
# the bridge (c1:81, paced), c1 moves its MAC and address from eth0
# to eth1 and announces itself with one ping to docker0's address. Both
# links stay up and c1 sends no ARP (its gateway's entry on eth1 is
# static), so the host's neighbour table does not change: only the
# bridge's forwarding table, which learns c1's MAC on p1 from the ping,
# tells the move. scon runs with a 10 s revalidation interval, so that
# only that can move its cached flows in time.
#   - the connections survive and complete byte-identical;
#   - once the move is learned (the ping answered), no packet of ext's
#     or c2's connections reaches c1's old interface (a counter at its
#     ingress);
#   - both downloads move again within 1 s of the move.

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=180

case_portmove() {
	local size=5000000 chat=300000 seen0
	second_port_up
	[ "$SCON" = 0 ] || scon_revalidate 10s
	xfer_start down c1 80 ext "$HOST_UP:8080" srv "$size" 400000
	xfer_start chat c1 5201 ext "$HOST_UP:5201" srv "$chat" 20000
	xfer_start side c1 81 c2 "$C1_IP:81" srv "$size" 400000
	wait_file_ge "$LOGDIR/down.progress" 1500000 30 || return 1
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 3 "connections cached before the move"

	move_to_eth1
	seen0=$(ingress_count c1 old)
	moved_within_1s down side
	sleep 1
	check_eq $(($(ingress_count c1 old) - seen0)) 0 "packets from ext or c2 reaching c1's old interface after the move"

	xfer_check down "$size"
	xfer_check side "$size"
	xfer_check chat "$chat"
}

# moved_within_1s NAME...: each transfer received 100 KB or more in the
# next second.
moved_within_1s() {
	local t before=()
	for t in "$@"; do
		before+=("$(cat "$LOGDIR/$t.progress")")
	done
	sleep 1
	for t in "$@"; do
		check_ge $(($(cat "$LOGDIR/$t.progress") - before[0])) 100000 "$t: bytes received in the second after the move"
		before=("${before[@]:1}")
	done
}

# second_port_up: c1's eth1 on the new bridge port p1, and a counter at
# eth0's ingress for packets from ext and c2.
second_port_up() {
	ipb - <<-EOF
		link add p1 type veth peer name eth1 netns c1
		link set p1 master docker0 up
	EOF
	# Each interface answers ARP only for its own addresses: else eth1
	# answers for eth0's too, and the host may send c1's traffic to it.
	nsrun c1 sysctl -qw net.ipv4.conf.all.arp_ignore=1
	run ip -n c1 link set eth1 up
	ingress_counter c1 eth0 old "ip saddr $EXT_IP" "ip saddr $C2_IP"
}

# move_to_eth1: c1's MAC and address go from eth0 to eth1; eth0 keeps a
# new MAC and stays up.
move_to_eth1() {
	local mac
	mac=$(mac_of c1 eth0)
	ipb c1 <<-EOF
		addr del $C1_IP/16 dev eth0
		link set eth0 address 02:5c:00:00:00:01
		link set eth1 address $mac
		addr add $C1_IP/16 dev eth1
		neigh replace $BRIDGE_IP lladdr $(mac_of - docker0) dev eth1 nud permanent
		route add default via $BRIDGE_IP
	EOF
	nsrun c1 ping -n -q -c 1 -W 1 "$BRIDGE_IP" >/dev/null || fail "c1 pings docker0 from eth1"
}
