# shellcheck shell=bash disable=SC2034
# smoke: the harness itself, without scon. The topology carries traffic
# where Docker's rules allow it (DNAT of a published port, MASQUERADE out,
# container to container) with the addresses NAT promises, and the FORWARD
# policy drops what they do not allow.
#
#   ext --8080--> up0 (DNAT) --> c1:80       c1 --> ext:80 (MASQUERADE)
#   c1 --> c2:80 (bridged)                   ext --> c1:81 (routed, dropped)

CASE_MODES="off"
CASE_TIMEOUT=180

case_smoke() {
	xfer_run dnat c1 80 ext "$HOST_UP:8080" cli 1000000
	check_eq "$(xfer_field dnat srv remote)" "$EXT_IP:$(xfer_field dnat cli local | cut -d: -f2)" \
		"DNAT: client address and port as c1 sees them"
	xfer_run masq ext 80 c1 "$EXT_IP:80" srv 1000000
	check_eq "$(xfer_field masq srv remote | cut -d: -f1)" "$HOST_UP" \
		"MASQUERADE: source address as ext sees it"
	xfer_run bridge c2 80 c1 "$C2_IP:80" cli 1000000
	check_eq "$(xfer_field bridge srv remote | cut -d: -f1)" "$C1_IP" \
		"bridged: source address as c2 sees it"
	udp_serve udp c1 80
	udp_count ext "$HOST_UP:8080" 200
	check_eq "$(udp_peers udp)" "$EXT_IP" "UDP DNAT: client address as c1 sees it"
	forward_policy_drops
}

# forward_policy_drops: with a route to the containers, ext reaches c1 on
# an unpublished port only if the FORWARD policy fails to drop it.
forward_policy_drops() {
	udp_serve udp81 c1 81
	run ip -n ext route add 172.17.0.0/16 via "$HOST_UP"
	say "[ext] udprr count -c $C1_IP:81 -n 3 (must go unanswered)"
	if innet ext "$TOOLS/udprr" count -c "$C1_IP:81" -n 3 -timeout 300ms; then
		fail "ext reached c1:81 through FORWARD policy DROP"
	else
		echo "  ok: c1:81 unreachable from ext"
	fi
	check_eq "$(udp_peers udp81)" "" "peers c1:81 heard"
}
