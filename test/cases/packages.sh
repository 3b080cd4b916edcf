# shellcheck shell=bash disable=SC2034
# packages: scon installed as on a device, from the Debian packages of
# make deb (out/deb), with the sconctl they install:
#   1. dpkg -i scon-dkms and sconctl: DKMS builds scon.ko for the running
#      kernel and installs it (dkms status; modinfo: updates/dkms, the
#      version); /etc/scon/scon.yaml is the shipped file, a conffile.
#   2. the boot as systemd would run it. virtme-ng's init, not systemd, is
#      PID 1 in the VM (and vng cannot boot systemd), so the case plays
#      systemd's part: systemd-analyze verify scon.service, every module of
#      modules-load.d/scon.conf through modprobe (systemd-modules-load),
#      then the unit's ExecStart word for word, from /, with a clean
#      environment and no stdin.
#   3. the edited /etc/scon/scon.yaml is in force (status --json) and
#      traffic to the published port takes the express path.
#   4. next boot with a broken /etc/scon/scon.yaml: ExecStart fails and
#      its output (what the journal would show) names file, line and
#      reason; scon stays loaded with its own defaults, traffic flows.
#   5. dpkg -r and -P: DKMS forgets scon, its module file and the unit's
#      enablement link go, the conffile goes with the purge.

CASE_MODES="off"
CASE_IPT="iptables-nft"
# dpkg -i compiles scon (DKMS) under TCG: about 5 1/2 minutes.
CASE_TIMEOUT=1500

CONF=/etc/scon/scon.yaml
UNIT=/lib/systemd/system/scon.service

case_packages() {
	local kver version
	kver=$(uname -r)
	version=$("$TOP/scripts/version.sh")
	SCONCTL=/usr/bin/sconctl	# the packaged one, from here on

	kernel_headers "$kver" || return
	packages_install "$version" || return
	dkms_installed "$kver" "$version"
	conffile_shipped

	say "the administrator names the uplink and sets two values in $CONF"
	sed -i 's/^uplinks: .*/uplinks: [up0]/; s/^max_flows: .*/max_flows: 4096/;
		s/^revalidate_interval: .*/revalidate_interval: 2s/' "$CONF"
	check "systemctl enable scon.service" systemctl enable scon.service
	unit_verify
	boot_good
	boot_broken
	packages_remove "$kver"
}

# kernel_headers KVER: DKMS builds against /lib/modules/KVER/build. Debian's
# 6.1 headers are installed on the host; another series' headers are only
# unpacked (scripts/kernel.sh), so they are linked there, in the VM only.
kernel_headers() {
	local kver=$1 kdir
	[ -e "/lib/modules/$kver/build/Makefile" ] && return 0
	kdir=$("$TOP/scripts/kdir.sh" "$kver") || die "no headers for $kver (scripts/kernel.sh)"
	run ln -sfn "$kdir" "/lib/modules/$kver/build" || die "cannot link the headers of $kver"
}

packages_install() {
	local version=$1 arch dkms_deb sconctl_deb rc=0
	arch=$(dpkg --print-architecture)
	dkms_deb=$TOP/out/deb/scon-dkms_${version}-1_all.deb
	sconctl_deb=$TOP/out/deb/sconctl_${version}-1_${arch}.deb
	[ -f "$dkms_deb" ] && [ -f "$sconctl_deb" ] ||
		die "no packages $dkms_deb and $sconctl_deb (make deb)"
	say "dpkg -i $dkms_deb $sconctl_deb"
	dpkg -i "$dkms_deb" "$sconctl_deb" >"$LOGDIR/dpkg-install.out" 2>&1 || rc=$?
	sed 's/^/  /' "$LOGDIR/dpkg-install.out"
	check_eq "$rc" 0 "exit status of dpkg -i" || return 1
	check_eq "$(dpkg-query -W -f='${Status} ' scon-dkms sconctl)" \
		"install ok installed install ok installed " "dpkg status of scon-dkms and sconctl"
}

dkms_installed() {
	local kver=$1 version=$2 arch
	arch=$(uname -m)
	say "dkms status -m scon"
	dkms status -m scon | tee "$LOGDIR/dkms-status.out" | sed 's/^/  /'
	check_eq "$(cat "$LOGDIR/dkms-status.out")" "scon/$version, $kver, $arch: installed" "dkms status"
	check_eq "$(modinfo -k "$kver" -F filename scon)" "/lib/modules/$kver/updates/dkms/scon.ko" \
		"modinfo: the module modprobe finds"
	check_eq "$(modinfo -k "$kver" -F version scon)" "$version" "modinfo: its version"
	check_eq "$(modinfo -k "$kver" -F vermagic scon | cut -d' ' -f1)" "$kver" "modinfo: built for"
}

conffile_shipped() {
	check "$CONF is configs/scon.yaml" cmp "$CONF" "$TOP/configs/scon.yaml"
	if dpkg-query -W -f='${Conffiles}\n' sconctl | grep -q "^ $CONF "; then
		echo "  ok: $CONF is a conffile of sconctl"
	else
		fail "$CONF is not a conffile of sconctl"
	fi
}

unit_verify() {
	local rc=0
	say "systemd-analyze verify $UNIT"
	systemd-analyze verify "$UNIT" >"$LOGDIR/verify.out" 2>&1 || rc=$?
	sed 's/^/  /' "$LOGDIR/verify.out"
	check_eq "$rc" 0 "exit status of systemd-analyze verify"
	check_eq "$(unit_key Type)/$(unit_key RemainAfterExit)" "oneshot/yes" "scon.service Type/RemainAfterExit"
	check_eq "$(unit_key After)/$(unit_key Before)" "systemd-modules-load.service/docker.service" \
		"scon.service After/Before"
}

unit_key() { sed -n "s/^$1=//p" "$UNIT"; }

# status_json JQ: one value of sconctl status --json, compact.
status_json() { timeout 10 "$SCONCTL" status --json | jq -c "$1"; }

# boot: what systemd does at boot for scon: load the modules of
# modules-load.d, then start scon.service; its output goes to
# $LOGDIR/unit.out (the journal) and its exit status is returned.
boot() {
	local module exec_start rc=0
	while read -r module; do
		run modprobe "$module" || fail "modprobe $module"
	done < <(grep -v '^[[:space:]]*#' /usr/lib/modules-load.d/scon.conf | grep .)
	exec_start=$(unit_key ExecStart)
	say "(scon.service) $exec_start"
	# shellcheck disable=SC2086 # the unit's words, as systemd splits them
	(cd / && env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		$exec_start </dev/null) >"$LOGDIR/unit.out" 2>&1 || rc=$?
	sed 's/^/  journal: /' "$LOGDIR/unit.out"
	return "$rc"
}

boot_good() {
	local rc=0
	boot || rc=$?
	check_eq "$rc" 0 "exit status of scon.service's ExecStart"
	check_eq "$(status_json .uplinks)" '["up0"]' "uplinks in force"
	check_eq "$(scon_status .max_flows)/$(scon_status .revalidate_ms)" "4096/2000" \
		"max_flows/revalidate_ms in force"
	xfer_run dnat c1 80 ext "$HOST_UP:8080" cli 2000000
	check_ge "$(scon_counter express_packets)" 100 "express packets of 2 MB to the published port"
}

# boot_broken: a fresh boot (module loaded anew) with a bad value in the
# file: the unit fails, the module keeps its defaults.
boot_broken() {
	local line rc=0
	scon_down
	line=$(grep -n '^max_flows:' "$CONF" | cut -d: -f1)
	say "the administrator breaks line $line of $CONF"
	sed -i 's/^max_flows: .*/max_flows: lots/' "$CONF"
	boot || rc=$?
	check_eq "$rc" 1 "exit status of ExecStart with a broken $CONF"
	if grep -q "^sconctl: $CONF:$line: max_flows: " "$LOGDIR/unit.out"; then
		echo "  ok: the journal names $CONF:$line and max_flows"
	else
		fail "ExecStart's output does not name $CONF:$line: max_flows: $(head -n 1 "$LOGDIR/unit.out")"
	fi
	check "scon still loaded" scon_loaded
	check_eq "$(status_json .uplinks)/$(scon_status .max_flows)" "[]/16384" \
		"uplinks/max_flows: the module's defaults"
	xfer_run after c1 80 ext "$HOST_UP:8080" cli 200000
}

packages_remove() {
	local kver=$1 rc=0
	scon_down
	say "dpkg -r sconctl scon-dkms"
	dpkg -r sconctl scon-dkms >"$LOGDIR/dpkg-remove.out" 2>&1 || rc=$?
	sed 's/^/  /' "$LOGDIR/dpkg-remove.out"
	check_eq "$rc" 0 "exit status of dpkg -r"
	check_eq "$(dkms status -m scon)" "" "dkms status after removal"
	check_eq "$(modinfo -k "$kver" -F filename scon 2>/dev/null)" "" "modinfo scon after removal"
	check_eq "$(ls /etc/systemd/system/*.wants/scon.service 2>/dev/null)" "" "enablement links after removal"
	check "$CONF kept until purge" test -f "$CONF"
	check "dpkg -P sconctl" dpkg -P sconctl
	check "$CONF gone with the purge" test ! -e "$CONF"
}
