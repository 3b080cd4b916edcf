#!/usr/bin/env bash
# Smoke run of the benchmark, so that `make bench` cannot rot: one short
# round of every mode (native, docker, flowtable, scon, bridge-only) and
# every workload of scripts/bench-guest.sh, a small scale run (1 and 100
# flows, memory, a new connection), then test/tools/benchreport over the
# figures. It checks that every workload produced figures, that the
# flowtable really offloaded and that the report renders; it asserts no
# time and no ratio (benchmarks are not tests).
#
#   test/bench-smoke.sh [--out DIR]     (in the VM, as root, like suite-guest.sh)
#
#   ext 10.0.0.50 -- up0 10.0.0.2 [host] docker0 172.17.0.1 -- c1 .2, c2 .3
#
# Needs kmod/scon.ko, bin/sconctl and the tools in out/tools (rtt, httpb,
# mqttlat, flows, benchreport: test/vm-suite.sh builds them all). Without
# mosquitto on the machine the MQTT workload is skipped. It builds and
# removes its own topology: run it when no case's topology is up.
# Prints "PASS bench-smoke" or "FAIL bench-smoke: reason"; exit status 0
# or 1. Takes about 3 minutes under TCG.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
out=/tmp/scon-bench-smoke

while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	*) echo "usage: test/bench-smoke.sh [--out DIR]" >&2; exit 2 ;;
	esac
done

rm -rf "$out"
mkdir -p "$out"
rc=0
echo "+ scripts/bench-guest.sh --what smoke --out $out"
timeout -k 10 420 env BENCH_COMMAND="test/bench-smoke.sh" \
	"$TOP/scripts/bench-guest.sh" --what smoke --out "$out" >"$out/guest.log" 2>&1 || rc=$?
report=${TOOLS:-$TOP/out/tools}/benchreport
[ -x "$report" ] || report=$TOP/out/tools/benchreport
echo "+ benchreport -raw $out/raw.csv -out $out/results"
if [ "$rc" = 0 ]; then
	"$report" -raw "$out/raw.csv" -meta "$out/meta.txt" -out "$out/results" \
		>"$out/report.log" 2>&1 || rc=2
fi
case $rc in
0)
	echo "PASS bench-smoke ($(wc -l <"$out/raw.csv") figures, report in $out/results)"
	exit 0 ;;
2) reason="benchreport failed: $(tail -n 1 "$out/report.log")" ;;
124 | 137) reason="timed out after 420 s" ;;
*) reason=$(grep -m 3 -E '^bench(-guest)?: ' "$out/guest.log" | paste -sd ';') ;;
esac
echo "FAIL bench-smoke: ${reason:-exit status $rc}"
tail -n 25 "$out/guest.log" | sed 's/^/    | /'
exit 1
