# shellcheck shell=bash disable=SC2034
# oversize (field case 2): packets too big for the output link on a cached
# flow. The host reaches peer 10.2.0.10 over pe0, MTU 1300; the
# containers and peer's own end use 1500, so only the host can tell c1.
# c1 sends 5 MB to peer over one TCP connection whose first 20 KB go as
# small segments (xfer -trickle, an argument of the client), so that scon caches it before the bulk;
# every bulk segment is then too big for pe0 and must get the kernel's
# fragmentation-needed answer (mtu 1300), never a silent drop:
#   - the transfer completes byte-identical;
#   - c1's route to peer then carries mtu 1300;
#   - with c1's route cache flushed, `ping -M do -s 1400` from c1 is
#     answered with fragmentation-needed (mtu = 1300);
#   - with scon, the oversized packets of the cached flow went to the
#     normal path (fb_mtu grew).
#
#   c1 --> docker0 --> pe0 (MTU 1300, MASQUERADE) --> peer

CASE_IPT=iptables-nft
CASE_MODES="off scon"
CASE_TIMEOUT=180

case_oversize() {
	local size=5000000 mtu0
	peer_up 1300
	[ "$SCON" = 0 ] || run timeout 10 "$SCONCTL" attach pe0 || fail "sconctl attach pe0"
	mtu0=$(scon_counter fb_mtu)
	xfer_start up peer 5001 c1 "$PEER_IP:5001" cli "$size" 0 -trickle 20000
	wait_file_ge "$LOGDIR/up.progress" 4000 20 || return 1
	[ "$SCON" = 0 ] || check_ge "$(scon_flows_on pe0)" 1 "flow directions through pe0 cached while the segments are small"
	xfer_check up "$size"
	path_mtu_check c1 "$PEER_IP" 1300 1400
	[ "$SCON" = 0 ] || check_ge $(($(scon_counter fb_mtu) - mtu0)) 1 "oversized packets of the cached flow sent to the normal path"
}
