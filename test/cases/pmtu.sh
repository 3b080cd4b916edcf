# shellcheck shell=bash disable=SC2034
# pmtu (field case 1): the path MTU shrinks behind the NAT. c1 uploads
# 5 MB to srv (MASQUERADE out of up0, then rtr); once the upload runs
# (and with scon, is cached), rtr's link to srv drops to MTU 1400. rtr's
# fragmentation-needed goes to the host's address 10.0.0.2 and must be
# translated back to c1:
#   - the upload completes byte-identical;
#   - c1's route to srv then carries mtu 1400 (`ip route get`);
#   - with c1's route cache flushed, `ping -M do -s 1472` from c1 is
#     answered with fragmentation-needed (mtu = 1400), not silence.
#
#   c1 --> docker0 --> up0 (MASQUERADE) --> sw0 --> rtr --1400--> srv
# One iptables flavour: the translation of ICMP errors is conntrack's,
# whichever tool wrote the rules.

TOPO_RTR=1
CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=180

case_pmtu() {
	local size=5000000
	xfer_start up srv 5001 c1 "$SRV_IP:5001" cli "$size" 700000
	wait_file_ge "$LOGDIR/up.progress" 700000 20 || return 1
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 1 "the upload cached before the change"

	run ip -n rtr link set eth1 mtu 1400
	run ip -n srv link set eth0 mtu 1400
	xfer_check up "$size"
	path_mtu_check c1 "$SRV_IP" 1400 1472
}
