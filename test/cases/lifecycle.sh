# shellcheck shell=bash disable=SC2034
# lifecycle: devices and the module go away under traffic.
#   1. vethc2 is deleted while c1 streams TCP and UDP to c2 (cached, with
#      scon): the deletion returns within 5 s (a leaked device reference
#      would block it, "unregister_netdevice: waiting"), and with scon no
#      cached flow names vethc2 a second later.
#   2. with scon: `rmmod scon` while ext uploads 20 MB to c1 through DNAT:
#      rmmod returns within 10 s and the transfer completes byte-identical.
# The suite checks the kernel log for warnings after the case.

# Who installs Docker's rules plays no part here: iptables-nft only.
CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=240

case_lifecycle() {
	delete_busy_port
	if [ "$SCON" = 1 ]; then
		unload_under_traffic
	else
		log "rmmod under traffic: needs scon"
	fi
}

delete_busy_port() {
	local t0 rc=0 took
	udp_serve udp-c2 c2 81
	spawn udp-stream 30 c1 "$TOOLS/udprr" stream -c "$C2_IP:81" -for 20s
	xfer_start busy c2 80 c1 "$C2_IP:80" cli 40000000 2000000
	wait_file_ge "$LOGDIR/busy.progress" 1000000 20 && wait_grep "$LOGDIR/udp-c2.out" peer= 10 ||
		return 1
	[ "$SCON" = 0 ] || check_ge "$(scon_flows_on vethc2)" 2 "cached flow directions naming vethc2"

	t0=$(now_ms)
	run timeout 20 ip link del vethc2 || rc=$?
	took=$(($(now_ms) - t0))
	check_eq "$rc" 0 "exit status of ip link del vethc2"
	check_lt "$took" 5000 "ms to delete vethc2"
	[ "$SCON" = 0 ] || { sleep 1 && check_eq "$(scon_flows_on vethc2)" 0 \
		"cached flow directions naming vethc2 1 s after its deletion"; }
	stop_spawned
}

unload_under_traffic() {
	local t0 rc=0 took size=20000000
	xfer_start unload c1 80 ext "$HOST_UP:8080" cli "$size" 4000000
	wait_file_ge "$LOGDIR/unload.progress" 2000000 20 || return 1
	check_ge "$(scon_status .flow_count)" 1 "connections cached before rmmod"
	t0=$(now_ms)
	run timeout 30 rmmod scon || rc=$?
	took=$(($(now_ms) - t0))
	check_eq "$rc" 0 "exit status of rmmod scon"
	check_lt "$took" 10000 "ms rmmod took"
	xfer_check unload "$size"
}
