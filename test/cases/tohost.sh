# shellcheck shell=bash disable=SC2034
# tohost (field case 20): traffic to the host itself on the bridge is not
# shortcut. Servers in the host namespace on docker0's address
# 172.17.0.1:9000 and on the uplink's 10.0.0.2:9001; c1 sends 20 MB to
# and receives 20 MB from each while c1 and c2 exchange 20 MB each way:
#   - all six transfers complete byte-identical;
#   - the host's stack received what c1 sent it (frames to docker0's own
#     MAC reach the host, and the IP layer counts them: Ip InDelivers
#     grows by at least the 40 MB sent to the host, in packets of at most
#     64 KB).

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=240

case_tohost() {
	local size=20000000 t n d0
	d0=$(in_delivers)
	xfer_start up9000 - 9000 c1 "$BRIDGE_IP:9000" cli "$size"
	xfer_start down9000 - 9010 c1 "$BRIDGE_IP:9010" srv "$size"
	xfer_start up9001 - 9001 c1 "$HOST_UP:9001" cli "$size"
	xfer_start down9001 - 9011 c1 "$HOST_UP:9011" srv "$size"
	xfer_start c1c2 c2 80 c1 "$C2_IP:80" cli "$size"
	xfer_start c2c1 c1 81 c2 "$C1_IP:81" cli "$size"
	for t in up9000 down9000 up9001 down9001 c1c2 c2c1; do
		xfer_check "$t" "$size"
	done
	n=$(($(in_delivers) - d0))
	check_ge "$n" $((2 * size / 65536)) "packets the host's IP layer delivered (Ip InDelivers)"
}

# in_delivers: the host's Ip InDelivers counter.
in_delivers() {
	awk '$1 == "Ip:" && $2 ~ /^[0-9]+$/ { print $10 }' /proc/net/snmp
}
