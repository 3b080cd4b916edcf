# shellcheck shell=bash disable=SC2034
# hairpin (field case 10): containers reach a published port through the
# host's own address (Docker without its userland proxy: DNAT also from
# docker0, bridge ports in hairpin mode, MASQUERADE of c1 to itself).
# c1 and then c2 download 5 MB from 10.0.0.2:8080 (-> c1:80), 20 rounds,
# so that later rounds meet the state the earlier ones left:
#   - every copy byte-identical;
#   - c1's server sees its own connections arrive from 172.17.0.1 and
#     c2's from 172.17.0.3;
#   - both clients always see the server as 10.0.0.2:8080.

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=300
DOCKER_HAIRPIN=1

case_hairpin() {
	local size=5000000 i
	for ((i = 1; i <= 20; i++)); do
		xfer_start self c1 80 c1 "$HOST_UP:8080" srv "$size"
		xfer_check self "$size" || return 1
		xfer_start other c1 80 c2 "$HOST_UP:8080" srv "$size"
		xfer_check other "$size" || return 1
		hairpin_check "$i" || return 1
	done
}

# hairpin_check ROUND: the addresses both transfers of a round saw.
hairpin_check() {
	local ok=0
	check_eq "$(xfer_field self srv remote | cut -d: -f1)" "$BRIDGE_IP" "round $1: c1 sees itself as" || ok=1
	check_eq "$(xfer_field other srv remote | cut -d: -f1)" "$C2_IP" "round $1: c1 sees c2 as" || ok=1
	check_eq "$(xfer_field self cli remote)" "$HOST_UP:8080" "round $1: c1's client hears" || ok=1
	check_eq "$(xfer_field other cli remote)" "$HOST_UP:8080" "round $1: c2's client hears" || ok=1
	return $ok
}
