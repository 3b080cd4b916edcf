# shellcheck shell=bash disable=SC2034
# recreate: container c1 is deleted and created again with the same IP
# and a new MAC (as a restarted container is); the published port reaches
# the new c1 over TCP (a new connection) and UDP (the same client port as
# before, so the same conntrack entry, and with scon a cached flow whose
# device and MAC are gone). Then the new c1 changes its MAC in place and
# announces it (gratuitous ARP): the same UDP flow, cached again, must
# follow the neighbour change rather than keep sending to the old MAC.

# Who installs Docker's rules plays no part here: iptables-nft only.
CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=240

case_recreate() {
	local old new
	udp_serve udp-old c1 80
	udp_count ext "$HOST_UP:8080" 300 -bind :40000
	xfer_run tcp-old c1 80 ext "$HOST_UP:8080" cli 2000000
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 1 "UDP connection cached before"
	old=$(mac_of c1 eth0)

	container_del c1
	container_add c1 "$C1_IP"
	new=$(mac_of c1 eth0)
	log "c1's MAC: $old, now $new"
	[ "$old" != "$new" ] || fail "c1 came back with its old MAC $old"

	xfer_run tcp-new c1 80 ext "$HOST_UP:8080" cli 2000000
	udp_serve udp-new c1 80
	udp_count ext "$HOST_UP:8080" 300 -bind :40000
	check_eq "$(udp_peers udp-new)" "$EXT_IP" "UDP client addresses heard by the new c1"
	change_mac_in_place
}

change_mac_in_place() {
	local old new
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 1 "UDP connection cached again"
	old=$(mac_of c1 eth0)
	run ip -n c1 link set eth0 address 02:00:ac:11:00:99
	nsrun c1 arping -q -U -c 1 -I eth0 "$C1_IP"
	new=$(mac_of c1 eth0)
	log "c1's MAC: $old, now $new"
	udp_count ext "$HOST_UP:8080" 300 -bind :40000
}
