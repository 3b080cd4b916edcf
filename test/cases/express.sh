# shellcheck shell=bash disable=SC2034,SC2154 # (SC2154: associative array keys)
# express: bulk TCP takes scon's express path. Over DNAT (ext -> 10.0.0.2:8080
# -> c1:80), over MASQUERADE (c1 downloads from ext:80) and bridged (c1 ->
# c2:80), 20 MB each; per transfer, with scon:
#   - express_packets grows by >= 90% of the packets the receiver got, and
#     express_bytes by >= 90% of the bytes its eth0 counted;
#   - independently, the FORWARD chain's first rule and docker0's tx
#     counter see < 10% of the packets moved (receiver's eth0 rx + tx).
# Packets are counted as on the wire: veth counts a 64 KB GSO packet once,
# scon and the receiver's IP statistics count its segments (ip_segments).
# The slow path counters and "moved" are all in veth's unit.
# Without scon the same measurement must show the slow path carrying it
# all (FORWARD >= 90%), proof that the probes see what they claim to.
#
#   ext ==DNAT==> c1      ext ==MASQ==> c1      c1 ==bridge==> c2

CASE_MODES="off scon"
CASE_TIMEOUT=300

case_express() {
	express_path dnat c1 80 ext "$HOST_UP:8080" cli c1
	express_path masq ext 80 c1 "$EXT_IP:80" srv c1
	express_path bridge c2 80 c1 "$C2_IP:80" cli c2
}

# express_path NAME SRV_NS PORT CLI_NS TARGET SENDER RECEIVER_NS
express_path() {
	local name=$1 receiver=$7 size=20000000
	local -A b a
	counters b "$receiver"
	xfer_run "$1" "$2" "$3" "$4" "$5" "$6" "$size" || return 1
	counters a "$receiver"

	local xpkts=$((a[xpkts] - b[xpkts])) xbytes=$((a[xbytes] - b[xbytes]))
	local segs=$((a[segs] - b[segs])) rxbytes=$((a[rxbytes] - b[rxbytes]))
	local fwd=$((a[fwd] - b[fwd])) d0tx=$((a[d0tx] - b[d0tx]))
	local moved=$((a[rx] - b[rx] + a[tx] - b[tx]))
	log "$name: receiver got $segs segments, $rxbytes bytes; express $xpkts packets, $xbytes bytes"
	log "$name: moved $moved packets (veth); FORWARD saw $fwd, docker0 sent $d0tx"
	if [ "$SCON" = 1 ]; then
		check_ge "$(percent "$xpkts" "$segs")" 90 "$name: express packets, % of segments received"
		check_ge "$(percent "$xbytes" "$rxbytes")" 90 "$name: express bytes, % of bytes received"
		check_lt "$(percent "$fwd" "$moved")" 10 "$name: FORWARD first rule, % of packets moved"
		check_lt "$(percent "$d0tx" "$moved")" 10 "$name: docker0 tx, % of packets moved"
	else
		check_ge "$(percent "$fwd" "$moved")" 90 "$name: FORWARD first rule without scon, % of packets moved"
	fi
}

# counters ARRAY RECEIVER_NS: the counters express_path compares.
counters() {
	local -n c=$1
	c[xpkts]=$(scon_counter express_packets)
	c[xbytes]=$(scon_counter express_bytes)
	c[segs]=$(ip_segments "$2")
	c[rxbytes]=$(if_stat "$2" eth0 rx_bytes)
	c[fwd]=$(chain_packets FORWARD)
	c[d0tx]=$(if_stat - docker0 tx_packets)
	c[rx]=$(if_stat "$2" eth0 rx_packets)
	c[tx]=$(if_stat "$2" eth0 tx_packets)
}
