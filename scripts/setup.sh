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
)

log() { echo "setup: $*"; }

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

debian_mirror() {
	sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		head -n 1 | grep . || echo http://deb.debian.org/debian
}

# private_apt SUITE -> prints apt options for a private configuration.
private_apt() {
	local suite=$1 dir=$cache/apt/$1
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $suite main" \
		>"$dir/sources.list"
	echo "-o Dir::Etc::SourceList=$dir/sources.list" \
		"-o Dir::Etc::SourceParts=/dev/null" \
		"-o Dir::State::Lists=$dir/lists" \
		"-o Dir::Cache::Archives=$dir/archives"
}

install_virtme_ng() {
	command -v vng >/dev/null && return 0
	log "fetching virtme-ng from trixie (private apt configuration)"
	local opts dir=$cache/apt/trixie
	opts=$(private_apt trixie)
	# shellcheck disable=SC2086
	apt-get $opts update -qq
	# shellcheck disable=SC2086
	(cd "$dir" && apt-get $opts download virtme-ng >/dev/null)
	dpkg -i --force-depends "$dir"/virtme-ng_*.deb >/dev/null
}

go_modules() {
	log "downloading Go modules"
	(cd "$top" && go mod download)
}

[ "$(id -u)" = 0 ] || { echo "setup: run as root" >&2; exit 1; }
mkdir -p "$cache"
install_host_packages
install_virtme_ng
[ -f "$top/go.mod" ] && go_modules
touch "$stamp"
log "ready: kernel $(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | tail -n 1)"
