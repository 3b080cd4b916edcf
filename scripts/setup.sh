#!/usr/bin/env bash
# Installs everything scon's build, VM harness and tests need on a Debian 12
# machine, as root. Safe to run again: it skips what is already there.
#
# Packages of other Debian suites (virtme-ng from trixie) come through a
# private apt configuration under .cache/apt so that the system's own sources
# never gain another suite.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache
stamp=$cache/setup.done

host_packages=(
	linux-image-amd64 linux-headers-amd64 build-essential kmod
	qemu-system-x86 cpio busybox-static file
	python3-argcomplete python3-requests python3-pkg-resources
	iproute2 iptables nftables conntrack iperf3 socat ethtool
	procps coreutils jq iputils-ping iputils-arping mosquitto linux-perf
	dwarves dkms gcc-aarch64-linux-gnu qemu-system-arm
)

log() { echo "setup: $*"; }

# shellcheck source=scripts/apt-private.sh
. "$top/scripts/apt-private.sh"

need_install() {
	local p
	for p in "${host_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || return 0
	done
	return 1
}

install_host_packages() {
	need_install || return 0
	log "installing Debian packages"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${host_packages[@]}" >/dev/null
}

install_virtme_ng() {
	command -v vng >/dev/null && return 0
	log "fetching virtme-ng from trixie (private apt configuration)"
	apt_private trixie
	# shellcheck disable=SC2086
	apt-get $APT_OPTS update -qq
	# shellcheck disable=SC2086
	(cd "$APT_DIR" && apt-get $APT_OPTS download virtme-ng >/dev/null)
	dpkg -i --force-depends "$APT_DIR"/virtme-ng_*.deb >/dev/null
}

go_modules() {
	log "downloading Go modules"
	(cd "$top" && go mod download)
	(cd "$top/scripts/pkg" && go mod download)	# make deb's packager
}

[ "$(id -u)" = 0 ] || { echo "setup: run as root" >&2; exit 1; }
mkdir -p "$cache"
install_host_packages
install_virtme_ng
[ -f "$top/go.mod" ] && go_modules
touch "$stamp"
log "ready: kernel $("$top/scripts/kver.sh" 6.1)"
