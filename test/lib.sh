# shellcheck shell=bash
# Helpers for scon's VM tests, sourced in the guest (the VM itself plays the
# Docker host): logging that echoes every command, assertions that collect
# failure reasons, the Docker-like topology, Docker's iptables rules in the
# iptables-nft or iptables-legacy flavour, traffic tools and scon controls.
#
#  netns ext                      the VM ("host")                netns c1
# +-----------------+            +---------------------------+  +------------------+
# | eth0 10.0.0.50  |--- veth ---| up0 10.0.0.2/24           |  | eth0 172.17.0.2  |
# +-----------------+            |                           |  | gw 172.17.0.1    |
#                                | docker0 172.17.0.1/16     |  +--------+---------+
#                                |  (bridge, br_netfilter)   |           |
#                                |   +-- vethc1 -------------+-- veth ---+
#                                |   +-- vethc2 -------------+-- veth ---+
#                                +---------------------------+           |
#                                                                netns c2 eth0 172.17.0.3
#
# With TOPO_RTR=1 the uplink becomes a segment with a router and a server
# behind it (room for the field cases that need one):
#
#   up0 10.0.0.2 --+                    netns seg: bridge sw0 joins the segment
#   ext 10.0.0.50 -+- sw0 -- rtr eth0 10.0.0.1, rtr eth1 10.1.0.1 -- srv eth0 10.1.0.10
#
# Docker's rules (filter FORWARD policy DROP, DOCKER-USER, isolation stages,
# MASQUERADE of 172.17.0.0/16, DNAT of the published ports to C1) go in with
# $IPT, iptables-nft or iptables-legacy; docker_rules_down removes them all.
#
# A case calls only the functions below; failures go through fail/check_*,
# which record a reason in $CASE_FAILS and let the case go on.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TOOLS=${TOOLS:-$TOP/out/tools}
LOGDIR=${LOGDIR:-/tmp/scon-test}
SCONCTL=${SCONCTL:-$TOP/bin/sconctl}
SCON_KO=${SCON_KO:-$TOP/kmod/scon.ko}
IPT=${IPT:-iptables-nft}
CASE_FAILS=${CASE_FAILS:-$LOGDIR/fails}
CASE_PIDS=${CASE_PIDS:-$LOGDIR/pids}

HOST_UP=10.0.0.2
EXT_IP=10.0.0.50
BRIDGE_IP=172.17.0.1
C1_IP=172.17.0.2
C2_IP=172.17.0.3
RTR_UP_IP=10.0.0.1
RTR_SRV_IP=10.1.0.1
SRV_IP=10.1.0.10
PEER_HOST_IP=10.2.0.1
PEER_IP=10.2.0.10

# Published ports, Docker style: proto:host port:container:container port.
PUBLISHED="tcp:8080:$C1_IP:80 udp:8080:$C1_IP:80 tcp:5201:$C1_IP:5201 udp:5201:$C1_IP:5201"

NAMESPACES="ext c1 c2 rtr srv seg peer"

# ---- logging and assertions -------------------------------------------------

T0_MS=$((${EPOCHREALTIME/./} / 1000))

# stamp: sets STAMP to the seconds since this script started, so that a
# log shows timings (without a fork).
stamp() {
	local ms=$((${EPOCHREALTIME/./} / 1000 - T0_MS))
	printf -v STAMP '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}

log() {
	stamp
	echo "# $STAMP $*"
}

# say TEXT: how every command is echoed before it runs.
say() {
	stamp
	echo "+ $STAMP $*"
}

# run CMD...: echo the command, then run it.
run() {
	say "$*"
	"$@"
}

# nsrun NS CMD...: run in network namespace NS ("-": the host), echoed.
# nsenter rather than `ip netns exec`: one exec less and no sysfs remount,
# which counts under TCG.
nsrun() {
	local ns=$1
	shift
	say "[$ns] $*"
	innet "$ns" "$@"
}

innet() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$@"
	else
		nsenter --net="/run/netns/$ns" "$@"
	fi
}

# ipb NS: run the `ip` commands read from stdin in NS with one process,
# echoing each.
ipb() {
	local ns=$1 cmds line
	cmds=$(grep .)
	while read -r line; do
		say "[$ns] ip $line"
	done <<<"$cmds"
	if [ "$ns" = - ]; then
		ip -batch - <<<"$cmds"
	else
		ip -n "$ns" -batch - <<<"$cmds"
	fi
}

fail() {
	echo "  FAILED CHECK: $*"
	echo "$*" >>"$CASE_FAILS"
	return 1
}

# die records a reason and ends the case (it runs in its own process).
die() {
	fail "$@" || true
	exit 1
}

skip() {
	echo "  SKIP: $*"
	echo "$*" >"$LOGDIR/skip"
	exit 77
}

check_eq() {
	if [ "$1" = "$2" ]; then
		echo "  ok: $3 = $1"
	else
		fail "$3: $1, want $2"
	fi
}

# check_ge A B WHAT / check_lt A B WHAT compare integers.
check_ge() { check_int "$1" -ge "$2" "$3"; }
check_lt() { check_int "$1" -lt "$2" "$3"; }
check_le() { check_int "$1" -le "$2" "$3"; }

check_int() {
	local a=$1 op=$2 b=$3 what=$4 sign holds
	if ! [[ $a =~ ^-?[0-9]+$ ]]; then
		fail "$what: '$a' is not a number"
		return
	fi
	case $op in
	-ge) sign='>=' holds=$((a >= b)) ;;
	-lt) sign='<' holds=$((a < b)) ;;
	-le) sign='<=' holds=$((a <= b)) ;;
	esac
	if [ "$holds" = 1 ]; then
		echo "  ok: $what = $a $sign $b"
	else
		fail "$what: $a, want $sign $b"
	fi
}

# check WHAT CMD...: CMD must succeed.
check() {
	local what=$1 rc=0
	shift
	run "$@" || rc=$?
	if [ "$rc" = 0 ]; then
		echo "  ok: $what"
	else
		fail "$what (exit $rc)"
	fi
}

# percent PART WHOLE: integer percentage, 0 when WHOLE is 0.
percent() { [ "$2" -gt 0 ] && echo $(($1 * 100 / $2)) || echo 0; }

# ---- background processes -----------------------------------------------------

# spawn NAME SECS NS CMD...: start CMD in namespace NS (or "-" for the
# host) under timeout SECS, output to $LOGDIR/NAME.out; remember its PID.
spawn() {
	local name=$1 secs=$2 ns=$3
	shift 3
	say "[$ns] $* > $name.out &"
	if [ "$ns" = - ]; then
		timeout -k 2 "$secs" "$@" >"$LOGDIR/$name.out" 2>&1 &
	else
		timeout -k 2 "$secs" nsenter --net="/run/netns/$ns" "$@" \
			>"$LOGDIR/$name.out" 2>&1 &
	fi
	echo "$!" >"$LOGDIR/$name.pid"
	echo "$!" >>"$CASE_PIDS"
}

# reap NAME: wait for a spawned process (bounded by its timeout); returns its
# exit status and shows its output.
reap() {
	local rc=0
	wait "$(cat "$LOGDIR/$1.pid")" || rc=$?
	sed "s/^/  $1: /" "$LOGDIR/$1.out"
	return "$rc"
}

output() { cat "$LOGDIR/$1.out"; }

# stop_spawned: end every process this case started, by PID.
stop_spawned() {
	local pid
	[ -f "$CASE_PIDS" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$CASE_PIDS"
	: >"$CASE_PIDS"
}

# wait_listen NS PROTO PORT: until a socket listens (10 s at most).
wait_listen() {
	local ns=$1 proto=$2 port=$3 flag=-Hltn end=$(($(now_ms) + 10000))
	[ "$proto" = udp ] && flag=-Hlun
	while [ "$(now_ms)" -lt "$end" ]; do
		[ -n "$(innet "$ns" ss $flag "sport = :$port")" ] && return 0
		sleep 0.1
	done
	fail "nothing listens on $proto port $port in $ns"
}

# wait_file_ge FILE N SECS: until FILE holds a number >= N.
wait_file_ge() {
	local file=$1 want=$2 end=$(($(now_ms) + $3 * 1000)) v=0
	while [ "$(now_ms)" -lt "$end" ]; do
		v=$(cat "$file" 2>/dev/null)
		[ "${v:-0}" -ge "$want" ] 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$(basename "$file") stayed at ${v:-nothing}, want >= $want"
}

# ---- topology -----------------------------------------------------------------

topo_up() {
	mkdir -p "$LOGDIR"
	run modprobe br_netfilter
	run sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
	ipb - <<-EOF
		link add docker0 type bridge
		addr add $BRIDGE_IP/16 dev docker0
		link set docker0 up
	EOF
	if [ "${TOPO_RTR:-0}" = 1 ]; then
		segment_up
	else
		uplink_up
	fi
	container_add c1 "$C1_IP"
	container_add c2 "$C2_IP"
	docker_rules_up
}

# netns_add NS: a namespace with lo up and an anchor process, whose
# /proc/PID/net/dev lets if_stat read counters without an exec.
netns_add() {
	run ip netns add "$1"
	run ip -n "$1" link set lo up
	nsenter --net="/run/netns/$1" sleep 100000 &
	echo "$!" >"$LOGDIR/anchor.$1"
}

# uplink_up: EXT straight on the other end of up0.
uplink_up() {
	host_link ext up0 "$HOST_UP" "$EXT_IP"
}

# host_link NS DEV HOST_IP NS_IP [MTU]: netns NS on the far end of the
# host's veth DEV, HOST_IP/24 on DEV (with MTU if given), NS_IP/24 on
# NS's eth0.
host_link() {
	netns_add "$1"
	ipb - <<-EOF
		link add $2 ${5:+mtu $5} type veth peer name eth0 netns $1
		addr add $3/24 dev $2
		link set $2 up
	EOF
	ipb "$1" <<-EOF
		addr add $4/24 dev eth0
		link set eth0 up
	EOF
}

# segment_up: up0, EXT and RTR share the switch sw0; SRV sits behind RTR.
segment_up() {
	local ns
	netns_add seg
	for ns in ext rtr srv; do
		netns_add "$ns"
	done
	ipb - <<-EOF
		link add up0 type veth peer name p-host netns seg
		addr add $HOST_UP/24 dev up0
		link set up0 up
		link add eth0 netns ext type veth peer name p-ext netns seg
		link add eth0 netns rtr type veth peer name p-rtr netns seg
		link add eth1 netns rtr type veth peer name eth0 netns srv
	EOF
	ipb seg <<-EOF
		link add sw0 type bridge
		link set sw0 up
		link set p-host master sw0 up
		link set p-ext master sw0 up
		link set p-rtr master sw0 up
	EOF
	ipb ext <<-EOF
		addr add $EXT_IP/24 dev eth0
		link set eth0 up
		route add default via $RTR_UP_IP
	EOF
	router_up
	run ip route add default via "$RTR_UP_IP"
}

router_up() {
	ipb rtr <<-EOF
		addr add $RTR_UP_IP/24 dev eth0
		link set eth0 up
		addr add $RTR_SRV_IP/24 dev eth1
		link set eth1 up
	EOF
	nsrun rtr sysctl -qw net.ipv4.ip_forward=1
	ipb srv <<-EOF
		addr add $SRV_IP/24 dev eth0
		link set eth0 up
		route add default via $RTR_SRV_IP
	EOF
}

# peer_up MTU: a second host link, pe0 10.2.0.1/24 with MTU MTU, to PEER
# 10.2.0.10 in netns peer, whose own end keeps MTU 1500 (as behind a
# tunnel or a PPPoE link only the host's side knows the smaller MTU).
peer_up() {
	host_link peer pe0 "$PEER_HOST_IP" "$PEER_IP" "$1"
	run ip -n peer route add default via "$PEER_HOST_IP"
}

# container_add NAME IP [MAC]: a netns with eth0 on docker0, as Docker
# makes one, then announces its address like Docker >= 28 does (gratuitous
# ARP), so that neighbours learn a new MAC behind an old IP.
container_add() {
	local name=$1 ip=$2 mac=${3:-}
	netns_add "$name"
	ipb - <<-EOF
		link add veth$name type veth peer name eth0 netns $name
		link set veth$name master docker0 up
	EOF
	[ "${DOCKER_HAIRPIN:-0}" != 1 ] || run bridge link set dev "veth$name" hairpin on
	ipb "$name" <<-EOF
		${mac:+link set eth0 address $mac}
		addr add $ip/16 dev eth0
		link set eth0 up
		route add default via $BRIDGE_IP
	EOF
	nsrun "$name" arping -q -U -c 1 -I eth0 "$ip" || true
}

# container_del NAME: stop what runs inside, then remove it as Docker does.
container_del() {
	kill_in_ns "$1"
	run ip netns del "$1"
	[ ! -e "/sys/class/net/veth$1" ] || run ip link del "veth$1"
}

# kill_in_ns NS: end the processes the tests started in NS, by PID.
kill_in_ns() {
	local pids
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$1" 2>/dev/null) || return 0
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill $pids 2>/dev/null
		sleep 0.2
	done
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null
	return 0
}

# topo_down: undo topo_up whatever state a case left; returns 1 if rules
# survive.
topo_down() {
	local ns dev
	stop_spawned
	for ns in $NAMESPACES; do
		[ -e "/run/netns/$ns" ] || continue
		kill_in_ns "$ns"
		run ip netns del "$ns"
	done
	for dev in vethc1 vethc2 p1 up0 pe0 docker0; do
		# a namespace going away takes its veth peer along, asynchronously
		[ ! -e "/sys/class/net/$dev" ] || run ip link del "$dev" 2>/dev/null
	done
	docker_rules_down || return 1
	run conntrack -F 2>/dev/null
	return 0
}

# ---- Docker's iptables rules ------------------------------------------------

docker_rules_up() {
	local rules
	rules=$(docker_filter_rules; docker_nat_rules)
	say "$IPT-restore <<EOF"
	sed 's/^/    /' <<<"$rules"
	"$IPT-restore" <<<"$rules" || die "$IPT-restore refused Docker's rules"
}

docker_filter_rules() {
	cat <<-EOF
		*filter
		:INPUT ACCEPT [0:0]
		:FORWARD DROP [0:0]
		:OUTPUT ACCEPT [0:0]
		:DOCKER - [0:0]
		:DOCKER-ISOLATION-STAGE-1 - [0:0]
		:DOCKER-ISOLATION-STAGE-2 - [0:0]
		:DOCKER-USER - [0:0]
		-A FORWARD -j DOCKER-USER
		-A FORWARD -j DOCKER-ISOLATION-STAGE-1
		-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		-A FORWARD -o docker0 -j DOCKER
		-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
		-A FORWARD -i docker0 -o docker0 -j ACCEPT
		-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
		-A DOCKER-ISOLATION-STAGE-1 -j RETURN
		-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
		-A DOCKER-ISOLATION-STAGE-2 -j RETURN
		-A DOCKER-USER -j RETURN
	EOF
	for_published docker_filter_port
	echo COMMIT
}

docker_nat_rules() {
	cat <<-EOF
		*nat
		:PREROUTING ACCEPT [0:0]
		:INPUT ACCEPT [0:0]
		:OUTPUT ACCEPT [0:0]
		:POSTROUTING ACCEPT [0:0]
		:DOCKER - [0:0]
		-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
		-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
		-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	EOF
	[ "${DOCKER_HAIRPIN:-0}" = 1 ] || echo "-A DOCKER -i docker0 -j RETURN"
	for_published docker_nat_port
	echo COMMIT
}

# for_published FN: FN PROTO HOSTPORT ADDR PORT for every published port.
for_published() {
	local p proto hport addr port
	for p in $PUBLISHED; do
		IFS=: read -r proto hport addr port <<<"$p"
		"$1" "$proto" "$hport" "$addr" "$port"
	done
}

docker_filter_port() {
	echo "-A DOCKER -d $3/32 ! -i docker0 -o docker0 -p $1 -m $1 --dport $4 -j ACCEPT"
}

# With DOCKER_HAIRPIN=1 the rules are those of Docker without its
# userland proxy: containers reach published ports through the host's
# address too (hairpin NAT), and the bridge ports are in hairpin mode.
docker_nat_port() {
	local from_outside="! -i docker0 "
	[ "${DOCKER_HAIRPIN:-0}" = 1 ] && from_outside=
	echo "-A POSTROUTING -s $3/32 -d $3/32 -p $1 -m $1 --dport $4 -j MASQUERADE"
	echo "-A DOCKER ${from_outside}-p $1 -m $1 --dport $2 -j DNAT --to-destination $3:$4"
}

# docker_rules_down: empty the tables $IPT filled and fail if a rule
# survives. nftables also loses the tables themselves (and any test table),
# legacy its table modules, so the next flavour starts from nothing.
docker_rules_down() {
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n' |
		"$IPT-restore"
	run nft flush ruleset
	if [ "$IPT" = iptables-legacy ]; then
		run rmmod iptable_nat iptable_filter 2>/dev/null
		! iptables-legacy-save | grep -q '^-A' ||
			{ fail "legacy rules left: $(iptables-legacy-save | grep '^-A')"; return 1; }
	fi
	[ -z "$(nft list ruleset)" ] || { fail "nft ruleset left: $(nft list ruleset)"; return 1; }
}

# chain_packets CHAIN [TABLE]: packet count of the chain's first rule.
chain_packets() {
	"$IPT" -t "${2:-filter}" -L "$1" 1 -v -x -n | awk '{ print $1; exit }'
}

# ---- counters -------------------------------------------------------------

# if_stat NS DEV FIELD: rx_packets, rx_bytes, tx_packets or tx_bytes of DEV
# in NS ("-": the host), read from /proc/PID/net/dev of NS's anchor.
if_stat() {
	local ns=$1 dev=$2 field=$3 file=/proc/self/net/dev name line
	local -a v
	[ "$ns" = - ] || file=/proc/$(cat "$LOGDIR/anchor.$ns")/net/dev
	while read -r line; do
		line=${line/:/ }
		read -r name line <<<"$line"
		[ "$name" = "$dev" ] || continue
		read -r -a v <<<"$line"
		case $field in
		rx_bytes) echo "${v[0]}" ;;
		rx_packets) echo "${v[1]}" ;;
		tx_bytes) echo "${v[8]}" ;;
		tx_packets) echo "${v[9]}" ;;
		esac
		return 0
	done <"$file"
	fail "no device $dev in $ns"
	echo 0
}

# ip_segments NS: IP packets NS has received, counting each segment of a
# GSO packet (veth counts a 64 KB GSO packet once; the wire, and scon's
# express_packets, count its segments). From IpExt InNoECTPkts and the
# ECN variants in /proc/PID/net/netstat.
ip_segments() {
	local file i sum=0
	local -a names values
	file=/proc/$(cat "$LOGDIR/anchor.$1")/net/netstat
	while read -r -a names && read -r -a values; do
		[ "${names[0]}" = IpExt: ] || continue
		for i in "${!names[@]}"; do
			case ${names[i]} in
			InNoECTPkts | InECT1Pkts | InECT0Pkts | InCEPkts) sum=$((sum + values[i])) ;;
			esac
		done
	done <"$file"
	echo "$sum"
}

# ---- probes ---------------------------------------------------------------------

# ingress_counter NS DEV NAME MATCH...: counts, as NAME, the packets that
# arrive at DEV in NS and match any of the nft expressions MATCH, at the
# device's ingress: before anything in NS drops those addressed elsewhere.
ingress_counter() {
	local ns=$1 dev=$2 name=$3 m rules=
	shift 3
	for m in "$@"; do
		rules+="$m counter name $name"$'\n'
	done
	nsrun "$ns" nft -f - <<-EOF
		table netdev scon_$name {
			counter $name {}
			chain in {
				type filter hook ingress device $dev priority 0; policy accept;
				$rules
			}
		}
	EOF
}

# ingress_count NS NAME: the packets counter NAME of ingress_counter saw.
ingress_count() {
	innet "$1" nft list counter netdev "scon_$2" "$2" | awk '$1 == "packets" { print $2; exit }'
}

# path_mtu_check NS DST MTU SIZE: after a transfer that met a smaller MTU,
# NS's route to DST carries MTU, and, with NS's route cache flushed, a ping
# of SIZE bytes with DF set is answered with fragmentation-needed (mtu =
# MTU) rather than silence.
path_mtu_check() {
	local ns=$1 dst=$2 mtu=$3 out
	out=$(nsrun "$ns" ip route get "$dst")
	echo "$out" | sed 's/^/  /'
	check_eq "$(grep -o 'mtu [0-9]*' <<<"$out")" "mtu $mtu" "$ns's path MTU to $dst"

	run ip -n "$ns" route flush cache
	out=$(nsrun "$ns" timeout 10 ping -n -M do -s "$4" -c 2 -W 2 "$dst" 2>&1)
	echo "$out" | sed 's/^/  /'
	check_eq "$(grep -o -m 1 "mtu = $mtu" <<<"$out")" "mtu = $mtu" \
		"ping -M do -s $4 from $ns to $dst: fragmentation needed"
}

# ---- traffic ------------------------------------------------------------------

# xfer_start NAME SRV_NS LISTEN_PORT CLI_NS TARGET SENDER BYTES [RATE
# [ARGS...]]: a TCP transfer of BYTES from SENDER ("srv" or "cli") to the
# other end, in the background, paced to RATE bytes/s if given (0: not
# paced), ARGS given to the client's xfer; the receiver keeps its byte
# count in $LOGDIR/NAME.progress.
xfer_start() {
	local name=$1 sns=$2 port=$3 cns=$4 target=$5 sender=$6 bytes=$7 rate=${8:-0}
	shift $(($# < 8 ? $# : 8))
	local send=(-send "$bytes") recv=(-progress "$LOGDIR/$name.progress")
	local srv_args=("${recv[@]}") cli_args=("${send[@]}" "$@")
	if [ "$sender" = srv ]; then
		srv_args=("${send[@]}")
		cli_args=("${recv[@]}" "$@")
	fi
	rm -f "$LOGDIR/$name.progress"
	spawn "$name.srv" 150 "$sns" "$TOOLS/xfer" -l ":$port" -timeout 140s \
		-rate "$rate" "${srv_args[@]}"
	wait_listen "$sns" tcp "$port" || return 1
	spawn "$name.cli" 150 "$cns" "$TOOLS/xfer" -c "$target" -timeout 140s \
		-rate "$rate" "${cli_args[@]}"
}

# xfer_check NAME BYTES: both ends finished and agree on length and sha256.
xfer_check() {
	local name=$1 bytes=$2 rc=0
	reap "$name.srv" || rc=1
	reap "$name.cli" || rc=1
	[ "$rc" = 0 ] || { fail "$name: transfer failed: $(tail -n 1 "$LOGDIR/$name.srv.out" "$LOGDIR/$name.cli.out" | grep xfer: | head -n 1)"; return 1; }
	check_eq "$(xfer_field "$name" srv bytes)" "$bytes" "$name: bytes at the server" &&
		check_eq "$(xfer_field "$name" cli bytes)" "$bytes" "$name: bytes at the client" &&
		check_eq "$(xfer_field "$name" srv sha256)" "$(xfer_field "$name" cli sha256)" \
			"$name: sha256 at the server, as at the client"
}

# xfer_run NAME ...: xfer_start, then xfer_check.
xfer_run() {
	xfer_start "$@" && xfer_check "$1" "$7"
}

# xfer_field NAME srv|cli KEY: a value of that end's result line.
xfer_field() {
	local kv value=
	# shellcheck disable=SC2013
	for kv in $(cat "$LOGDIR/$1.$2.out"); do
		[ "${kv%%=*}" = "$3" ] && value=${kv#*=}
	done
	echo "$value"
}

# xfer_pid NAME srv|cli: PID of that end's xfer (the child of its timeout).
xfer_pid() {
	local pid
	pid=$(cat "$LOGDIR/$1.$2.pid")
	cat "/proc/$pid/task/$pid/children"
}

# udp_serve NAME NS PORT: udprr echo server.
udp_serve() {
	spawn "$1" 300 "$2" "$TOOLS/udprr" serve -l ":$3" -for 290s
	wait_listen "$2" udp "$3"
}

# udp_peers NAME: the addresses (without port) an udprr server heard from.
udp_peers() {
	sed -n 's/^peer=\(.*\):[0-9]*$/\1/p' "$LOGDIR/$1.out" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# udp_count NS TARGET N [ARGS...]: N request/responses, all must come back
# intact from TARGET.
udp_count() {
	local ns=$1 target=$2 n=$3 out rc=0
	shift 3
	say "[$ns] udprr count -c $target -n $n $*"
	out=$(innet "$ns" timeout 120 "$TOOLS/udprr" count -c "$target" -n "$n" "$@" 2>&1) || rc=$?
	echo "  $out"
	[ "$rc" = 0 ] || fail "udprr to $target from $ns: $(tail -n 1 <<<"$out")"
}

# wait_grep FILE REGEX SECS: until FILE has a matching line.
wait_grep() {
	local end=$(($(now_ms) + $3 * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no line matching '$2' in $(basename "$1") after $3 s"
}

# now_ms: wall clock in milliseconds, without an exec.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# sleep_until MS: sleep until now_ms reaches MS.
sleep_until() {
	local left=$(($1 - $(now_ms)))
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
}

mac_of() { innet "$1" ip -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# ---- scon --------------------------------------------------------------------

# scon_up: load the module and attach it to docker0 and up0.
scon_up() {
	[ -f "$SCON_KO" ] || die "scon.ko missing: $SCON_KO (make kmod)"
	[ -x "$SCONCTL" ] || die "sconctl missing: $SCONCTL (make sconctl)"
	run timeout 30 insmod "$SCON_KO" || die "insmod $SCON_KO failed"
	run timeout 10 "$SCONCTL" attach docker0 up0 || die "sconctl attach docker0 up0 failed"
	[ "$(scon_status .enabled)" = true ] || die "scon not enabled after attach"
}

# scon_revalidate INTERVAL: scon attached as scon_up does, with another
# revalidation interval (a case that must not be saved by the default).
scon_revalidate() {
	printf 'enabled: true\nbridges: [docker0]\nuplinks: [up0]\nrevalidate_interval: %s\n' "$1" >"$LOGDIR/scon.yaml"
	run timeout 10 "$SCONCTL" apply -f "$LOGDIR/scon.yaml" || fail "sconctl apply (revalidate_interval $1)"
}

# scon_down: unload the module if loaded; a hang or refusal is a failure.
scon_down() {
	scon_loaded || return 0
	run timeout 30 rmmod scon || fail "rmmod scon failed or hung"
}

scon_loaded() { grep -q '^scon ' /proc/modules; }

# scon_status JQ: one value of `sconctl status --json`.
scon_status() {
	timeout 10 "$SCONCTL" status --json | jq -r "$1"
}

# scon_counter NAME: a counter, 0 while the module is not loaded (so that
# the same measurement runs with and without scon).
scon_counter() {
	if scon_loaded; then
		scon_status ".counters.$1"
	else
		echo 0
	fi
}

scon_flows() { timeout 10 "$SCONCTL" flows --json; }

# scon_flows_on DEV: how many cached flow directions name DEV.
scon_flows_on() {
	scon_flows | jq "[.[] | select(.in_dev == \"$1\" or .out_dev == \"$1\")] | length"
}

# scon_show: status and flows into the log, for the reader of a failure.
scon_show() {
	scon_loaded || return 0
	say "sconctl status --json"
	scon_status -c . | sed 's/^/  /'
	say "sconctl flows --json"
	scon_flows | jq -c '.[]' | sed 's/^/  /'
}
