#!/usr/bin/env bash
# scon's benchmark against native, stock Docker networking and the kernel's
# flowtable (`make bench`), its scale benchmark (`make bench-scale`) or a
# CPU profile of the forwarding path in each mode (`make profile`):
# builds the tools, boots ONE VM (scripts/vm.sh, which waits for its turn
# when another of the project's VMs runs) and runs
# scripts/bench-guest.sh in it, then writes the results with
# test/tools/benchreport. `make bench` builds kmod/scon.ko and bin/sconctl
# first.
#
#   scripts/bench.sh [--kernel KVER] [--scale | --profile] [--runs N]
#                    [--out DIR] [--results DIR]
#
#   --kernel   release to boot, default: newest installed 6.1 (scripts/kver.sh)
#   --scale    the scale benchmark: 1, 100, 1,000 and 10,000 flows
#   --profile  perf samples of UDP (1 and 10,000 flows) and TCP ext ->
#              container in modes docker, flowtable and scon: time per
#              packet in the path's landmarks and the hottest functions,
#              in profile.md
#   --runs     rounds (each figure is the median over them), default 3
#   --out      where the guest writes its raw figures and logs, default
#              out/bench (out/bench-scale, out/profile)
#   --results  where the results go, default bench/results:
#              bench.{md,csv,png} (scale.{md,csv,png} with --scale) and the
#              raw figures they come from, bench-raw.csv (scale-raw.csv);
#              profile.md with --profile
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
	--profile) what=profile; shift ;;
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" 6.1)
case $what in
bench) name=bench target=bench ;;
scale) name=scale target=bench-scale ;;
profile) name=profile target=profile ;;
esac
[ -n "$out" ] || out=$top/out/$target

# command: what the results are stamped with.
command="scripts/bench.sh ${args[*]}"
if [ -n "${MAKELEVEL:-}" ]; then
	command="make $target ($command)"
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

# profile_markdown OUT: the landmarks of the forwarding path side by side,
# then each profile's hottest functions.
profile_markdown() {
	local wl m f unit
	echo "# scon profile"
	echo
	sed -n 's/^kernel=/kernel /p; s/^date=/, /p' "$1/meta.txt" | paste -sd '' - | tr -d '\n'
	echo ", \`$command\`"
	echo
	echo "$(sed -n 's/^profile=//p' "$1/meta.txt"), in the QEMU/TCG guest while ext sends to container"
	echo "c1 through the published ports: UDP 64-byte datagrams (flows blast, as fast as the"
	echo "sender goes) over one flow and over 10,000 flows, and one TCP stream (iperf3)"
	echo "(scon with its default 1 s revalidation). A landmark's time includes"
	echo "what it calls; process_backlog holds the whole receive side, forwarding and the"
	echo "delivery in c1. Compare modes within this run only: the VM's speed drifts, so the"
	echo "line under each table measures the forwarding against the delivery in c1."
	for wl in udp udp10k tcp; do
		unit=$([ $wl = tcp ] && echo "us per MB" || echo "us per packet")
		echo
		echo "## $wl: $unit"
		echo
		echo "| landmark | docker | flowtable | scon | scon/flowtable |"
		echo "|---|---|---|---|---|"
		awk -v wl=$wl '$2 == wl { v[$3, $1] = $4; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 } }
			END {
				for (i = 1; i <= n; i++) {
					f = order[i]; d = v[f, "docker"]; t = v[f, "flowtable"]; s = v[f, "scon"]
					printf "| %s | %s | %s | %s | %s |\n", f, d == "" ? "-" : d, t == "" ? "-" : t,
						s == "" ? "-" : s, (t > 0 && s != "") ? sprintf("%.2fx", s / t) : "-"
				}
				# The delivery in c1 is the same work in every mode: the
				# rest of the backlog over it does not drift with the VM.
				l4 = wl == "tcp" ? "tcp_v4_rcv" : "__udp4_lib_rcv"
				printf "\nForwarding (process_backlog minus %s) over %s:", l4, l4
				split("docker flowtable scon", ms, " ")
				for (i = 1; i <= 3; i++)
					if (v[l4, ms[i]] > 0)
						printf " %s %.2f;", ms[i], (v["process_backlog", ms[i]] - v[l4, ms[i]]) / v[l4, ms[i]]
				printf "\n"
			}' "$1/landmarks.txt"
		for m in docker flowtable scon; do
			f=$1/profile-$m-$wl.txt
			[ -s "$f" ] || continue
			echo
			echo "$wl, $m: $(head -n 1 "$f")"
			echo
			echo '```'
			sed -n '2,25p' "$f"
			echo '```'
		done
	done
}

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

if [ "$what" = profile ]; then
	mkdir -p "$results"
	profile_markdown "$out" >"$results/profile.md" && echo "bench.sh: results in ${results#"$top"/}/profile.md"
elif [ -s "$out/raw.csv" ]; then
	echo "note=wall time in the VM: $secs s (boot included)" >>"$out/meta.txt"
	mkdir -p "$results"
	cp "$out/raw.csv" "$results/$name-raw.csv"
	out/tools/benchreport -raw "$out/raw.csv" -meta "$out/meta.txt" -out "$results" -name "$name"
	echo "bench.sh: results in ${results#"$top"/}/$name.{md,csv,png}"
fi
exit "$rc"
