# shellcheck shell=bash disable=SC2034
# bench: the benchmark's smoke run (test/bench-smoke.sh), so that `make
# bench` cannot rot: one short round of every mode and workload of
# scripts/bench-guest.sh, then the report. It asserts no time and no ratio.
# Once per suite run: with iptables-nft only, and without scon loaded
# first (the bench loads and unloads it itself).
#
#   ext --> up0 --> c1 (native, docker, flowtable, scon)    c2 --> c1 (bridged)

CASE_MODES="off"
CASE_IPT="iptables-nft"
CASE_TIMEOUT=480

case_bench() {
	# The bench builds its own topology, with more published ports.
	topo_down >/dev/null 2>&1 || die "the suite's topology did not come down"
	say "test/bench-smoke.sh --out $LOGDIR/bench"
	"$TOP/test/bench-smoke.sh" --out "$LOGDIR/bench" | tee "$LOGDIR/bench-smoke.out"
	grep -q '^PASS bench-smoke' "$LOGDIR/bench-smoke.out" ||
		fail "$(grep -m 1 '^FAIL' "$LOGDIR/bench-smoke.out" || echo "bench-smoke: no verdict")"
}
