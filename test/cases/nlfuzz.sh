# shellcheck shell=bash disable=SC2034
# nlfuzz: hostile netlink input leaves the module working.
#   0. the largest configuration the module takes (32 bridges and 32
#      uplinks of 15-character names, 64 exclusions) is applied and
#      `sconctl status` still reports it; then docker0 gets 250 more
#      ports (dummy devices), all attached, and status lists them all.
#   1. c2 opens NLFUZZ_FLOWS (default 3000) UDP flows to c1, all cached;
#      `nlbad -dumps 300` starts 300 flow dumps and closes each after its
#      first one to three parts, then flushes the cache in the middle of
#      one more dump, which must still end cleanly.
#   2. `nlbad -fuzz NLFUZZ_SECS (default 75) -seed NLFUZZ_SEED (default
#      random, printed)`: random and mutated requests for every command,
#      attribute type, length and nesting, broken headers. As root each
#      one with a sound header gets an answer and a status request works
#      after every 100; then as the user nobody every change request gets
#      EPERM and the configuration and attached devices stay as they were.
#   3. the known configuration applied again is the one of the start, and
#      rmmod scon works. The suite checks the kernel log.
# Rerun a failure with NLFUZZ_SEED=N; fuzz longer with NLFUZZ_SECS=N.

CASE_MODES="scon"
CASE_IPT="iptables-nft"
CASE_TIMEOUT=$((${NLFUZZ_SECS:-75} + 240))

case_nlfuzz() {
	local secs=${NLFUZZ_SECS:-75} seed=${NLFUZZ_SEED:-$((RANDOM * 32768 + RANDOM + 1))} before
	largest_config
	nlfuzz_apply
	many_ports 250
	before=$(nlfuzz_state)
	many_flows "${NLFUZZ_FLOWS:-3000}"
	nlbad_run dumps 120 -dumps 300
	nlbad_run fuzz $((secs + 60)) -fuzz "${secs}s" -seed "$seed"
	nlfuzz_apply
	check_eq "$(nlfuzz_state)" "$before" "configuration and devices after applying the known one again"
	sleep 1
	check "rmmod scon after fuzzing" timeout 30 rmmod scon
}

# nlfuzz_apply: the known configuration; idle flows stay for the dumps.
nlfuzz_apply() {
	printf '%s\n' "bridges: [docker0]" "uplinks: [up0]" "idle_timeout: 10m" >"$LOGDIR/known.yaml"
	check "sconctl apply of the known configuration" timeout 10 "$SCONCTL" apply -f "$LOGDIR/known.yaml"
}

largest_config() {
	local file=$LOGDIR/largest.yaml i
	{
		echo "bridges:"
		for i in $(seq -w 0 31); do echo "  - scon-fuzz-br-$i"; done
		echo "uplinks:"
		for i in $(seq -w 0 31); do echo "  - scon-fuzz-up-$i"; done
		echo "exclude:"
		for i in $(seq 0 63); do echo "  - {cidr: 10.$i.0.0/16, port: $((i + 1)), proto: udp}"; done
	} >"$file"
	check "sconctl apply of the largest configuration" timeout 10 "$SCONCTL" apply -f "$file"
	check_eq "$(scon_status '.excludes | length')" 64 "exclusions in sconctl status"
}

# many_ports N: N dummy devices join docker0 (scon attaches to each), the
# status reply must list them all, then they go again.
many_ports() {
	local n=$1
	say "[-] ip -batch: link add scon-d1..scon-d$n type dummy, master docker0"
	seq 1 "$n" | sed 's/.*/link add scon-d& type dummy\nlink set scon-d& master docker0 up/' |
		ip -batch - || fail "adding $n ports to docker0"
	check_eq "$(scon_status '.devices | length')" $((n + 3)) "attached devices in sconctl status"
	say "[-] ip -batch: link del scon-d1..scon-d$n"
	seq 1 "$n" | sed 's/.*/link del scon-d&/' | ip -batch - || fail "deleting the $n ports"
}

# nlfuzz_state: status without what traffic changes, devices in name order.
nlfuzz_state() {
	timeout 10 "$SCONCTL" status --json | jq -cS 'del(.counters, .flow_count) | .devices |= sort_by(.name)'
}

# many_flows N: N UDP flows c2 -> c1, learned in both directions.
many_flows() {
	local n=$1 out
	spawn flows.c1 120 c1 "$TOOLS/flows" serve -l :5300 -for 110s
	wait_listen c1 udp 5300 || return 1
	say "[c2] flows blast -c $C1_IP:5300 -flows $n -warm 2 -for 1s"
	out=$(innet c2 timeout 120 "$TOOLS/flows" blast -c "$C1_IP:5300" -flows "$n" -warm 2 -for 1s 2>&1)
	echo "  $out"
	check_ge "$(scon_status .flow_count)" $((n / 2)) "connections cached (of $n)"
}

# nlbad_run NAME SECS ARGS...: the tool under a time limit; its FAIL lines
# become the failure reasons.
nlbad_run() {
	local name=$1 secs=$2 rc=0
	shift 2
	say "nlbad $*"
	timeout "$secs" "$TOOLS/nlbad" "$@" >"$LOGDIR/nlbad-$name.out" 2>&1 || rc=$?
	sed 's/^/  /' "$LOGDIR/nlbad-$name.out"
	if [ "$rc" = 0 ]; then
		echo "  ok: nlbad $name"
		return 0
	fi
	grep '^FAIL ' "$LOGDIR/nlbad-$name.out" | head -n 5 | sed "s/^FAIL /nlbad $name: /" >>"$CASE_FAILS"
	fail "nlbad $name: exit status $rc (seed in the log above)"
}
