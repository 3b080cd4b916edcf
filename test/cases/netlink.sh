# shellcheck shell=bash disable=SC2034
# netlink: bad requests change nothing.
#   1. nlbad (test/tools/nlbad) sends malformed requests to the "scon"
#      generic netlink family (wrong attribute length, values out of range,
#      unknown command and attribute, bad nesting, missing SCON_A_NAME,
#      changes as the user nobody) and checks each errno and extended ack.
#   2. `sconctl apply -f` of bad files is refused, naming file:line, and
#      the status before equals the status after; a good file then changes
#      it (so the comparison can see a change).

# Who installs Docker's rules plays no part here: iptables-nft only.
CASE_IPT=iptables-nft
CASE_MODES="scon"
CASE_TIMEOUT=180

case_netlink() {
	nlbad
	apply_bad 3 "enabled: true" "bridges: [docker0]" "colour: blue"
	apply_bad 2 "bridges: [docker0]" "max_flows: 0"
	apply_bad 1 "revalidate_interval: soon" "uplinks: [up0]"
	apply_bad 2 "bridges: [docker0]" "uplinks: [docker0]"
	apply_bad 1 "uplinks: [docker0]"
	apply_good
}

# nlbad: run the tool; its FAIL lines become the failure reasons.
nlbad() {
	local rc=0
	say "nlbad"
	timeout 60 "$TOOLS/nlbad" >"$LOGDIR/nlbad.out" 2>&1 || rc=$?
	sed 's/^/  /' "$LOGDIR/nlbad.out"
	if [ "$rc" = 0 ]; then
		echo "  ok: nlbad: every bad request refused as expected"
		return 0
	fi
	grep '^FAIL ' "$LOGDIR/nlbad.out" | sed 's/^FAIL /nlbad: /' >>"$CASE_FAILS"
	fail "nlbad exit status $rc"
}

# apply_bad LINE TEXT...: a file of the TEXT lines, wrong at LINE.
apply_bad() {
	local line=$1 file=$LOGDIR/bad-$1-$RANDOM.yaml before after rc=0
	shift
	printf '%s\n' "$@" >"$file"
	before=$(config_state)
	say "sconctl apply -f $file   # $(sed -n "${line}p" "$file")"
	"$SCONCTL" apply -f "$file" >"$LOGDIR/apply.out" 2>&1 || rc=$?
	sed 's/^/  /' "$LOGDIR/apply.out"
	after=$(config_state)
	check_eq "$rc" 1 "exit status of sconctl apply of a bad file"
	if grep -q "$file:$line" "$LOGDIR/apply.out"; then
		echo "  ok: error names $file:$line"
	else
		fail "sconctl apply did not name $file:$line: $(head -n 1 "$LOGDIR/apply.out")"
	fi
	check_eq "$after" "$before" "configuration after the refused apply"
}

apply_good() {
	local file=$LOGDIR/good.yaml
	printf '%s\n' "bridges: [docker0]" "uplinks: [up0]" "max_flows: 1000" >"$file"
	check "sconctl apply of a good file" "$SCONCTL" apply -f "$file"
	check_eq "$(scon_status .max_flows)" 1000 "max_flows after a good apply"
}

# config_state: status without what traffic changes.
config_state() {
	timeout 10 "$SCONCTL" status --json | jq -cS 'del(.counters, .flow_count)'
}
