# shellcheck shell=bash disable=SC2034
# cacheflush (field case 3): conntrack stays the source of truth when the
# cache lets go of a connection in the middle. With a DROP of conntrack
# INVALID packets first in FORWARD and nf_conntrack_tcp_be_liberal=0, ext
# downloads 5 MB from c1 (10.0.0.2:8080, DNAT); with scon the cache is
# flushed three times while it runs, so that the next packets go the
# normal way after the express path carried the ones before (whose
# sequence numbers conntrack never saw). Expected, as without scon:
#   - the download completes byte-identical, ending in a clean FIN
#     exchange (xfer waits for the peer's close);
#   - the INVALID rule counted no packet;
#   - no RST crossed FORWARD (a rule counting them, second in FORWARD).

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=180

case_cacheflush() {
	local size=5000000 at
	run sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=0
	run "$IPT" -I FORWARD 1 -m conntrack --ctstate INVALID -j DROP
	run "$IPT" -I FORWARD 2 -p tcp --tcp-flags RST RST
	xfer_start down c1 80 ext "$HOST_UP:8080" srv "$size" 1000000
	for at in 1000000 2000000 3000000; do
		wait_file_ge "$LOGDIR/down.progress" "$at" 20 || break
		[ "$SCON" = 0 ] || cache_flush
	done
	xfer_check down "$size"
	check_eq "$(chain_packets FORWARD)" 0 "packets dropped as conntrack INVALID"
	check_eq "$("$IPT" -L FORWARD 2 -v -x -n | awk '{ print $1; exit }')" 0 "RST packets forwarded"
}

# cache_flush: the download was cached, then `sconctl flush` drops it.
cache_flush() {
	check_ge "$(scon_status .flow_count)" 1 "the download cached before the flush"
	run timeout 10 "$SCONCTL" flush || fail "sconctl flush"
}
