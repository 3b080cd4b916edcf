# shellcheck shell=bash disable=SC2034
# portmap (field case 8): the published port differs from the container's.
# HOST:8080 -> c1:80 and HOST:2222 -> c1:22, with HOST:80 -> c2:80 as the
# same-port control. ext downloads 50 MB through 8080 and 50 MB through 80
# at the same time (so that the VM's speed drifts for both alike), and
# then makes 100 requests through 2222, a new connection each:
#   - both downloads complete byte-identical, the one through 8080 at no
#     less than 0.8x the throughput of the control;
#   - every reply reaching ext comes from port 8080 or 2222, never 80 or
#     22: counters at ext's eth0 ingress, keyed by the download's fixed
#     client port, see every packet that arrives;
#   - with scon, both downloads went express (proof the rewrite was
#     scon's, not the normal path's): express packets at least 90% of
#     their data segments.

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=240
# Literal addresses (c1 and c2 of test/lib.sh): the suite reads this
# file's settings without lib.sh.
PUBLISHED="tcp:8080:172.17.0.2:80 tcp:2222:172.17.0.2:22 tcp:80:172.17.0.3:80"

MAPPED_CPORT=40080	# ext's port for the download through 8080

case_portmap() {
	local size=50000000 e0 a b
	ingress_counter ext eth0 wrong "ip saddr $HOST_UP tcp sport 80 tcp dport $MAPPED_CPORT" \
		"ip saddr $HOST_UP tcp sport 22"
	ingress_counter ext eth0 mapped "ip saddr $HOST_UP tcp sport 8080 tcp dport $MAPPED_CPORT"
	ingress_counter ext eth0 ssh "ip saddr $HOST_UP tcp sport 2222"
	spawn http.c1 200 c1 "$TOOLS/httpb" serve -l :22 -for 190s
	wait_listen c1 tcp 22 || return 1
	e0=$(scon_counter express_packets)

	xfer_start mapped c1 80 ext "$HOST_UP:8080" srv "$size" 0 -bind ":$MAPPED_CPORT"
	xfer_start control c2 80 ext "$HOST_UP:80" srv "$size" 0
	xfer_check mapped "$size"
	xfer_check control "$size"
	a=$(xfer_field mapped cli secs)
	b=$(xfer_field control cli secs)
	log "download through 8080: $a s; through 80 (control): $b s"
	check "throughput through 8080 >= 0.8x the control" awk -v a="$a" -v b="$b" 'BEGIN { exit !(b / a >= 0.8) }'

	nsrun ext timeout 120 "$TOOLS/httpb" get -c "$HOST_UP:2222" -new -n 100 -warmup 0 -for 100s ||
		fail "100 requests through 2222"

	check_eq "$(ingress_count ext wrong)" 0 "replies reaching ext from port 80 (on the 8080 download) or 22"
	check_ge "$(ingress_count ext mapped)" 100 "replies reaching ext from 8080 on the download (the probe sees them)"
	check_ge "$(ingress_count ext ssh)" 300 "replies reaching ext from 2222 (the probe sees them)"
	# Both downloads' segments (34,530 each) and most of their ACKs: one
	# download left to the normal path would stay well below.
	[ "$SCON" = 0 ] || check_ge $(($(scon_counter express_packets) - e0)) $((2 * size / 1448 * 9 / 10)) \
		"express packets of the two downloads"
}
