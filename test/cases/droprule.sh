# shellcheck shell=bash disable=SC2034
# droprule: a DROP rule inserted while a connection runs stops it within
# the revalidation interval (+0.5 s; 1.5 s with scon's default 1 s), and
# deleting the rule lets traffic through again. Twice: with
# `$IPT -I DOCKER-USER ...` and with `nft insert rule` in a table and chain
# of its own at the forward hook. Each time a UDP stream and a paced TCP
# upload, both ext -> 10.0.0.2:8080 -> c1:80, run when the rule goes in:
#
#   UDP  udprr stream reports its silences: one must start no later than
#        the allowance after the insertion and last until the deletion;
#        replies must come back within 3 s after it;
#   TCP  c1's received byte count must not move between the allowance and
#        the deletion, must move again within 5 s after it, and a new
#        connection (published port 5201) must go through.

CASE_MODES="off scon"
CASE_TIMEOUT=240

case_droprule() {
	local method
	run nft add table ip scontest
	run nft add chain ip scontest block '{ type filter hook forward priority 0; policy accept; }'
	for method in iptables nft; do
		drop_while_running "$method"
	done
}

# drop_while_running METHOD: the whole sequence for one way of adding rules.
# Times: the rule goes in between t0 and t0_done (the command's run time,
# long under TCG), and out between t1 and t1_done; the allowance counts
# from t0_done, when the rule is certainly in place.
drop_while_running() {
	local m=$1 allow t0 t0_done t1 t1_done p1 p2
	allow=$(stop_allowance)
	udp_serve "$m-udp-srv" c1 80
	spawn "$m-udp" 40 ext "$TOOLS/udprr" stream -c "$HOST_UP:8080" -for 14s -interval 10ms -gap 200ms
	xfer_start "$m-tcp" c1 80 ext "$HOST_UP:8080" cli 30000000 1000000
	wait_grep "$LOGDIR/$m-udp-srv.out" peer= 10 && wait_file_ge "$LOGDIR/$m-tcp.progress" 500000 10 ||
		return 1
	sleep 1
	[ "$SCON" = 0 ] || check_ge "$(scon_status .flow_count)" 2 "$m: connections cached before the rule"

	t0=$(now_ms)
	drop_insert "$m"
	t0_done=$(now_ms)
	sleep_until $((t0_done + allow + 200))
	p1=$(cat "$LOGDIR/$m-tcp.progress")
	sleep_until $((t0_done + allow + 1200))
	p2=$(cat "$LOGDIR/$m-tcp.progress")
	t1=$(now_ms)
	drop_delete "$m"
	t1_done=$(now_ms)
	log "$m: rule in at $t0-$t0_done ms, out at $t1-$t1_done ms, allowance $allow ms"
	check_eq "$p2" "$p1" "$m: bytes c1 received over TCP while the rule had to be in effect"

	wait_file_ge "$LOGDIR/$m-tcp.progress" $((p2 + 1)) 5 && echo "  ok: $m: TCP resumed"
	xfer_run "$m-new" c1 5201 ext "$HOST_UP:5201" cli 100000
	reap "$m-udp"
	udp_stopped "$m" "$t0" "$((t0_done + allow))" "$t1" "$((t1_done + 3000))"
	stop_spawned
}

# stop_allowance: milliseconds a rule may take to act.
stop_allowance() {
	local ms=1000
	[ "$SCON" = 0 ] || ms=$(scon_status .revalidate_ms)
	echo $((ms + 500))
}

drop_insert() {
	if [ "$1" = iptables ]; then
		run "$IPT" -I DOCKER-USER -p udp -d "$C1_IP" --dport 80 -j DROP
		run "$IPT" -I DOCKER-USER -p tcp -d "$C1_IP" --dport 80 -j DROP
	else
		run nft insert rule ip scontest block ip daddr "$C1_IP" th dport 80 drop
	fi
}

drop_delete() {
	if [ "$1" = iptables ]; then
		run "$IPT" -D DOCKER-USER -p udp -d "$C1_IP" --dport 80 -j DROP
		run "$IPT" -D DOCKER-USER -p tcp -d "$C1_IP" --dport 80 -j DROP
	else
		run nft flush chain ip scontest block
	fi
}

# udp_stopped METHOD T0 STOP_BY T1 BACK_BY: the stream's silence covering
# STOP_BY began after T0 (replies flowed until the rule went in) and ended
# after T1 (none while the rule was in) but by BACK_BY.
udp_stopped() {
	local m=$1 t0=$2 stop_by=$3 t1=$4 back_by=$5 start end
	read -r start end < <(silence_at "$LOGDIR/$m-udp.out" "$stop_by")
	if [ -z "$start" ]; then
		fail "$m: UDP replies kept coming $((stop_by - t0)) ms after the rule went in"
		return 1
	fi
	log "$m: UDP silent from $start to $end ms"
	check_ge "$start" $((t0 - 300)) "$m: UDP replies flowed until the rule went in (ms)"
	check_ge "$end" "$t1" "$m: UDP silence lasted until the rule went out (ms)"
	check_le "$end" "$back_by" "$m: UDP replies back within 3 s after the rule went out (ms)"
}

# silence_at FILE MS: start and end (ms) of the udprr gap around MS; an
# open gap ends at "infinity".
silence_at() {
	local line start end
	while read -r line; do
		start=$(sed -n 's/^gap start=\([0-9.]*\) .*/\1/p' <<<"$line")
		end=$(sed -n 's/.* end=\([0-9.]*\|open\)$/\1/p' <<<"$line")
		[ -n "$start" ] || continue
		start=${start/./}
		[ "$end" = open ] && end=99999999999999 || end=${end/./}
		if [ "$start" -le "$2" ] && [ "$end" -gt "$2" ]; then
			echo "$start $end"
			return
		fi
	done <"$1"
}
