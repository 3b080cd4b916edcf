# shellcheck shell=bash disable=SC2034
# packages: scon installed as on a device, from the Debian packages of
# make deb (out/deb), with the sconctl they install:
#   1. dpkg -i scon-dkms and sconctl: DKMS builds scon.ko for the running
#      kernel and installs it (dkms status; modinfo: updates/dkms, the
#      version); /etc/scon/scon.yaml is the shipped file, a conffile.
#   2. a boot with systemd: the host's systemd as PID 1 of new PID and
#      mount namespaces with a fresh /run, as in a container (virtme-ng's
#      init stays the VM's PID 1; vng cannot boot systemd itself). It
#      starts multi-user.target with the host's own services masked, so
#      that systemd-modules-load (modules-load.d/scon.conf) and the
#      enabled scon.service run as they do on a device.
#   3. the edited /etc/scon/scon.yaml is in force (status --json) and
#      traffic to the published port takes the express path.
#   4. next boot with a broken /etc/scon/scon.yaml: scon.service fails
#      and its journal names file, line and reason; scon stays loaded
#      with its own defaults, traffic flows.
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
	mask_host_units
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

# The systemd of the current boot: the PID of unshare, which waits for it,
# and systemd's own PID (1 inside its namespace).
SD_UNSHARE=
SD_PID=

# sd CMD...: CMD inside the booted system (systemctl, journalctl).
sd() { nsenter -t "$SD_PID" -a "$@"; }

# mask_host_units: the services, timers and sockets the host enabled (the
# VM's root is the host's), except scon's, so that the boot starts what a
# device with only scon installed would; and systemd-tmpfiles, which would
# empty the /tmp that this case lives in. The VM's overlay forgets it all.
mask_host_units() {
	local link unit
	for link in /etc/systemd/system/*.wants/*; do
		unit=${link##*/}
		[ "$unit" != scon.service ] || continue
		ln -sfn /dev/null "/etc/systemd/system/$unit"
	done
	for unit in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service \
		systemd-tmpfiles-clean.timer; do
		ln -sfn /dev/null "/etc/systemd/system/$unit"
	done
}

# sd_boot: boots systemd into multi-user.target and waits (4 minutes at
# most, TCG is slow) until it says the system is running or degraded.
sd_boot() {
	local state= end=$(($(now_ms) + 240000))
	say "boot: systemd as PID 1 of its own namespaces, multi-user.target"
	unshare --pid --fork --mount --propagation private \
		sh -c 'mount -t tmpfs -o mode=755 run /run && mount -t proc proc /proc &&
			exec env -i container=scon-test /lib/systemd/systemd --unit=multi-user.target' \
		>>"$LOGDIR/systemd.out" 2>&1 &
	SD_UNSHARE=$!
	echo "$SD_UNSHARE" >>"$CASE_PIDS"
	while [ "$(now_ms)" -lt "$end" ]; do
		SD_PID=$(pgrep -P "$SD_UNSHARE" | head -n 1)
		[ -z "$SD_PID" ] || state=$(sd systemctl is-system-running 2>/dev/null)
		case $state in
		running | degraded)
			echo "  systemd is up: $state"
			return 0 ;;
		esac
		kill -0 "$SD_UNSHARE" 2>/dev/null || break
		sleep 1
	done
	fail "systemd did not come up (state '$state'; $LOGDIR/systemd.out)"
	return 1
}

# sd_halt: shuts the booted system down; a systemd that does not stop
# within two minutes is killed.
sd_halt() {
	local end=$(($(now_ms) + 120000))
	[ -n "$SD_UNSHARE" ] || return 0
	say "poweroff"
	sd systemctl --no-block poweroff 2>/dev/null
	while kill -0 "$SD_UNSHARE" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do
		sleep 1
	done
	if kill -0 "$SD_UNSHARE" 2>/dev/null; then
		fail "systemd did not power off within two minutes"
		kill -KILL "$SD_PID" 2>/dev/null
	fi
	wait "$SD_UNSHARE" 2>/dev/null
	SD_UNSHARE=
	SD_PID=
}

cleanup_packages() { sd_halt; }

# unit_state: scon.service's ActiveState/Result in the booted system.
unit_state() {
	echo "$(sd systemctl is-active scon.service)/$(sd systemctl show -P Result scon.service)"
}

# unit_journal: scon.service's journal of this boot, to $LOGDIR/unit.out.
unit_journal() {
	sd journalctl -b -u scon.service -o cat --no-pager >"$LOGDIR/unit.out" 2>&1
	sed 's/^/  journal: /' "$LOGDIR/unit.out"
}

boot_good() {
	sd_boot || return
	check_eq "$(sd systemctl is-active systemd-modules-load.service)" active \
		"systemd-modules-load.service"
	check "scon loaded at boot" scon_loaded
	check_eq "$(sd systemctl is-enabled scon.service)" enabled "scon.service enabled"
	check_eq "$(unit_state)" "active/success" "scon.service state/result"
	unit_journal
	check_eq "$(status_json .uplinks)" '["up0"]' "uplinks in force"
	check_eq "$(scon_status .max_flows)/$(scon_status .revalidate_ms)" "4096/2000" \
		"max_flows/revalidate_ms in force"
	xfer_run dnat c1 80 ext "$HOST_UP:8080" cli 2000000
	check_ge "$(scon_counter express_packets)" 100 "express packets of 2 MB to the published port"
	sd_halt
}

# boot_broken: the next boot (module loaded anew) with a bad value in the
# file: the unit fails, the module keeps its defaults.
boot_broken() {
	local line
	scon_down
	line=$(grep -n '^max_flows:' "$CONF" | cut -d: -f1)
	say "the administrator breaks line $line of $CONF"
	sed -i 's/^max_flows: .*/max_flows: lots/' "$CONF"
	sd_boot || return
	check_eq "$(unit_state)" "failed/exit-code" "scon.service state/result with a broken $CONF"
	check_eq "$(sd systemctl show -P ExecMainStatus scon.service)" 1 "sconctl's exit status"
	unit_journal
	if grep -q "^sconctl: $CONF:$line: max_flows: " "$LOGDIR/unit.out"; then
		echo "  ok: the journal names $CONF:$line and max_flows"
	else
		fail "scon.service's journal does not name $CONF:$line: max_flows"
	fi
	check "scon still loaded" scon_loaded
	check_eq "$(status_json .uplinks)/$(scon_status .max_flows)" "[]/16384" \
		"uplinks/max_flows: the module's defaults"
	xfer_run after c1 80 ext "$HOST_UP:8080" cli 200000
	sd_halt
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
