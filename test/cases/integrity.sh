# shellcheck shell=bash disable=SC2034
# integrity: every byte arrives as sent. 20 MB each way over DNAT
# (ext <-> 10.0.0.2:8080 <-> c1:80), over MASQUERADE (c1 <-> ext:80) and
# between c1 and c2, compared by sha256; then 10,000 UDP request/responses
# via DNAT and via MASQUERADE with none lost, corrupted or answered from
# another address. With scon, the express path must have carried most of
# it (else this would test the normal path only).

CASE_MODES="off scon"
CASE_TIMEOUT=420

case_integrity() {
	local size=20000000 express0 rx0
	express0=$(scon_counter express_bytes)
	rx0=$(received)
	xfer_run dnat-up c1 80 ext "$HOST_UP:8080" cli "$size"
	xfer_run dnat-down c1 80 ext "$HOST_UP:8080" srv "$size"
	xfer_run masq-up ext 80 c1 "$EXT_IP:80" cli "$size"
	xfer_run masq-down ext 80 c1 "$EXT_IP:80" srv "$size"
	xfer_run c1-to-c2 c2 80 c1 "$C2_IP:80" cli "$size"
	xfer_run c2-to-c1 c2 80 c1 "$C2_IP:80" srv "$size"
	udp_serve udp-c1 c1 80
	udp_count ext "$HOST_UP:8080" 10000 -window 32
	udp_serve udp-ext ext 80
	udp_count c1 "$EXT_IP:80" 10000 -window 32
	[ "$SCON" = 0 ] || check_ge "$(percent $(($(scon_counter express_bytes) - express0)) \
		$(($(received) - rx0)))" 50 "express bytes, % of all bytes received"
}

# received: bytes the three ends have received so far (bytes, not
# packets: veth and scon count GSO packets differently).
received() {
	echo $(($(if_stat ext eth0 rx_bytes) + $(if_stat c1 eth0 rx_bytes) +
		$(if_stat c2 eth0 rx_bytes)))
}
