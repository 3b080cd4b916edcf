# shellcheck shell=bash disable=SC2034
# mtu: the path MTU shrinks under running transfers. ext downloads 20 MB
# from c1 (10.0.0.2:8080) and uploads 20 MB to it (10.0.0.2:5201), both
# paced; once they run (and with scon, are cached), up0 and ext's eth0 go
# to MTU 1280. Packets too big for up0 must get the kernel's
# fragmentation-needed answer, so c1 shrinks its segments, and both
# transfers complete byte-identical.

# Who installs Docker's rules plays no part here: iptables-nft only.
CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=240

case_mtu() {
	local size=20000000 express0
	xfer_start down c1 80 ext "$HOST_UP:8080" srv "$size" 3000000
	xfer_start up c1 5201 ext "$HOST_UP:5201" cli "$size" 3000000
	wait_file_ge "$LOGDIR/down.progress" 2000000 20 &&
		wait_file_ge "$LOGDIR/up.progress" 2000000 20 || return 1
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 2 "connections cached before the change"
	express0=$(scon_counter express_packets)
	run ip link set up0 mtu 1280
	run ip -n ext link set eth0 mtu 1280
	xfer_check down "$size"
	xfer_check up "$size"
	log "express packets after the change: $(($(scon_counter express_packets) - express0))"
	[ "$SCON" = 0 ] || scon_show
}
