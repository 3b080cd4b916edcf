# shellcheck shell=bash disable=SC2034
# fdbage (field case 23): the bridge must not forget a container whose
# frames bypass it. docker0's ageing time is 5 s; ext uploads to c1
# (10.0.0.2:8080, DNAT) at 100 KB/s for 30 s, then, with scon, the cache
# is flushed so that the next packets take the normal path, and the
# upload runs 3 s more. scon runs with a 10 s revalidation interval,
# longer than the ageing time (the default 1 s would hide the fault: a
# packet of each direction through the bridge every second keeps the
# entry alive). Expected, as without scon:
#   - the upload completes byte-identical;
#   - c1's MAC never leaves docker0's forwarding table while the upload
#     runs (looked up every 0.5 s from its 2nd to its 30th second);
#   - c2 never sees a frame of it: a counter at c2's eth0 ingress for
#     packets to or from ext stays 0 (a forgotten MAC is flooded to every
#     port; c1's ARP traffic often has the bridge learn it again before a
#     packet of the upload needs it, so this alone would miss the fault).

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=180

case_fdbage() {
	local rate=100000 secs=33 mac watcher
	run ip link set docker0 type bridge ageing_time 500
	[ "$SCON" = 0 ] || scon_revalidate 10s
	# A forgotten MAC is flooded to every port.
	ingress_counter c2 eth0 flood "ip saddr $EXT_IP" "ip daddr $EXT_IP"
	mac=$(mac_of c1 eth0)
	xfer_start up c1 80 ext "$HOST_UP:8080" cli $((rate * secs)) "$rate"
	# From when c1 talks: the bridge may have forgotten it before.
	wait_file_ge "$LOGDIR/up.progress" $((rate * 2)) 20 || return 1
	fdb_watch "$mac" &
	watcher=$!
	wait_file_ge "$LOGDIR/up.progress" $((rate * 30)) 40
	touch "$LOGDIR/fdb.stop"
	wait "$watcher"
	if [ "$SCON" = 1 ]; then
		check_ge "$(scon_status .flow_count)" 1 "the upload cached"
		run timeout 10 "$SCONCTL" flush || fail "sconctl flush"
	fi
	xfer_check up $((rate * secs))

	check_eq "$(grep -c missing "$LOGDIR/fdb.watch")" 0 "lookups that did not find c1's MAC $mac on vethc1" ||
		echo "  missing at (ms into the watch): $(awk '$2 == "missing" { printf "%s ", $1 }' "$LOGDIR/fdb.watch")"
	check_eq "$(ingress_count c2 flood)" 0 "packets of the upload that reached c2"
}

# fdb_watch MAC: every 0.5 s until $LOGDIR/fdb.stop exists (60 s at
# most), "MS present" or "MS missing" for MAC on vethc1 in docker0's
# forwarding table, into $LOGDIR/fdb.watch.
fdb_watch() {
	local start end
	start=$(now_ms)
	end=$((start + 60000))
	while [ ! -e "$LOGDIR/fdb.stop" ] && [ "$(now_ms)" -lt "$end" ]; do
		if bridge fdb show br docker0 | grep -q "^$1 dev vethc1 master"; then
			echo "$(($(now_ms) - start)) present"
		else
			echo "$(($(now_ms) - start)) missing"
		fi
		sleep 0.5
	done >"$LOGDIR/fdb.watch"
}
