#!/usr/bin/env bash
# scon's benchmark against native, stock Docker networking and the kernel's
# flowtable (`make bench`), or its scale benchmark (`make bench-scale`):
# builds the tools, boots ONE VM (scripts/vm.sh, which waits for its turn
# when another of the project's VMs runs) and runs
# scripts/bench-guest.sh in it, then writes the results with
# test/tools/benchreport. `make bench` builds kmod/scon.ko and bin/sconctl
# first.
#
#   scripts/bench.sh [--kernel KVER] [--scale] [--runs N] [--out DIR]
#                    [--results DIR]
#
#   --kernel   release to boot, default: newest installed 6.1 (scripts/kver.sh)
#   --scale    the scale benchmark: 1, 100, 1,000 and 10,000 flows
#   --runs     rounds (each figure is the median over them), default 3
#   --out      where the guest writes its raw figures and logs, default
#              out/bench (out/bench-scale with --scale)
#   --results  where the results go, default bench/results:
#              bench.{md,csv,png} (scale.{md,csv,png} with --scale) and the
#              raw figures they come from, bench-raw.csv (scale-raw.csv)
#
# The whole run is bounded: the VM is killed after 40 minutes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=
what=bench
runs=3
out=
results=$top/bench/results
args=("$@")

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--scale) what=scale; shift ;;
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" 6.1)
[ -n "$out" ] || out=$top/out/$([ "$what" = scale ] && echo bench-scale || echo bench)
name=$([ "$what" = scale ] && echo scale || echo bench)

# command: what the results are stamped with.
command="scripts/bench.sh ${args[*]}"
if [ -n "${MAKELEVEL:-}" ]; then
	command="make $([ "$what" = scale ] && echo bench-scale || echo bench) ($command)"
fi

cd "$top"
for f in kmod/scon.ko bin/sconctl; do
	[ -e "$f" ] || { echo "bench.sh: $f missing (make kmod sconctl)" >&2; exit 1; }
done
for t in iperf3 jq conntrack nft; do
	command -v "$t" >/dev/null || { echo "bench.sh: $t missing (make setup)" >&2; exit 1; }
done
# The MQTT broker (Debian's mosquitto) runs in the guest from the host's
# filesystem; scripts/setup.sh installs it.
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] ||
	echo "bench.sh: mosquitto missing (make setup): the MQTT workload will be skipped" >&2

mkdir -p out/tools
for t in rtt httpb mqttlat flows benchreport; do
	echo "+ go build -o out/tools/$t ./test/tools/$t"
	${GO:-go} build -o "out/tools/$t" "./test/tools/$t"
done

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)
rc=0
scripts/vm.sh --kernel "$kver" --out "$out" --timeout 2400 -- \
	env BENCH_COMMAND="$command" bash scripts/bench-guest.sh --out "$out" \
	--what "$what" --runs "$runs" || rc=$?
secs=$(($(date +%s) - start))
echo "bench.sh: $secs s in the VM, logs in ${out#"$top"/}/log"

if [ -s "$out/raw.csv" ]; then
	echo "note=wall time in the VM: $secs s (boot included)" >>"$out/meta.txt"
	mkdir -p "$results"
	cp "$out/raw.csv" "$results/$name-raw.csv"
	out/tools/benchreport -raw "$out/raw.csv" -meta "$out/meta.txt" -out "$results" -name "$name"
	echo "bench.sh: results in ${results#"$top"/}/$name.{md,csv,png}"
fi
exit "$rc"
