# shellcheck shell=bash disable=SC2034
# nat: both ends see the addresses NAT promises, also once the express
# path carries the connection:
#   DNAT        c1's server sees the client as 10.0.0.50; the client in ext
#               hears replies from 10.0.0.2:8080, the address it sent to;
#   MASQUERADE  ext's server sees the client as 10.0.0.2; c1 hears replies
#               from 10.0.0.50:80.
# TCP: the server's peer address (a wrong reply address would also reset
# the connection); UDP: every peer the server heard, and udprr counting
# replies from any other address than the one asked.

CASE_MODES="off scon"
CASE_TIMEOUT=240

case_nat() {
	local express0
	xfer_run dnat c1 80 ext "$HOST_UP:8080" cli 5000000
	check_eq "$(xfer_field dnat srv remote | cut -d: -f1)" "$EXT_IP" "DNAT, TCP: client address seen in c1"
	check_eq "$(xfer_field dnat cli remote)" "$HOST_UP:8080" "DNAT, TCP: server address seen in ext"
	xfer_run masq ext 80 c1 "$EXT_IP:80" srv 5000000
	check_eq "$(xfer_field masq srv remote | cut -d: -f1)" "$HOST_UP" "MASQUERADE, TCP: client address seen in ext"

	express0=$(scon_counter express_packets)
	udp_serve udp-c1 c1 80
	udp_count ext "$HOST_UP:8080" 2000
	check_eq "$(udp_peers udp-c1)" "$EXT_IP" "DNAT, UDP: client addresses heard in c1"
	udp_serve udp-ext ext 80
	udp_count c1 "$EXT_IP:80" 2000
	check_eq "$(udp_peers udp-ext)" "$HOST_UP" "MASQUERADE, UDP: client addresses heard in ext"
	# 2 x 2000 request/responses, 8000 packets: most of them express.
	[ "$SCON" = 0 ] || check_ge $(($(scon_counter express_packets) - express0)) 6000 \
		"express packets of the 8000 UDP packets"
}
