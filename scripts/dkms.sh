#!/usr/bin/env bash
# scon.ko under DKMS: its source goes to /usr/src/scon-VERSION, DKMS
# builds and installs it for a kernel and builds it again for every kernel
# installed later (AUTOINSTALL in kmod/dkms.conf). VERSION is
# scripts/version.sh's.
#
#   scripts/dkms.sh install [KVER]   stage, dkms add, build and install for
#                                    KVER (default: the running kernel)
#   scripts/dkms.sh uninstall        dkms remove from every kernel, and the
#                                    source in /usr/src
#   scripts/dkms.sh stage DIR        the source tree alone, laid out in DIR
#                                    (make deb packages it as scon-dkms)
#
# install and uninstall run as root; install replaces an earlier install
# of the same version, so that it picks up edited sources.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=$("$top/scripts/version.sh")
src=/usr/src/scon-$version

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

# stage DIR: the files kbuild needs and dkms.conf with the version filled
# in. The list is here once; the scon-dkms package takes what it lays out.
stage() {
	local dir=$1
	mkdir -p "$dir/uapi"
	cp "$top"/kmod/*.c "$top"/kmod/*.h "$top/kmod/Kbuild" "$top/kmod/Makefile" "$dir/"
	cp "$top"/kmod/uapi/*.h "$dir/uapi/"
	sed "s/@VERSION@/$version/" "$top/kmod/dkms.conf" >"$dir/dkms.conf"
}

need_root_and_dkms() {
	[ "$(id -u)" = 0 ] || { echo "dkms.sh: run as root" >&2; exit 1; }
	command -v dkms >/dev/null || { echo "dkms.sh: dkms missing: apt-get install dkms" >&2; exit 1; }
}

# added: whether DKMS knows this version (in any state).
added() {
	dkms status -m scon -v "$version" 2>/dev/null | grep -q .
}

remove() {
	if added; then
		dkms remove -m scon -v "$version" --all
	fi
	rm -rf "$src"
}

install() {
	local kver=$1
	if [ ! -e "/lib/modules/$kver/build" ]; then
		echo "dkms.sh: no headers for kernel $kver in /lib/modules/$kver/build: install them first (see README.md, Install on a device)" >&2
		exit 1
	fi
	remove
	stage "$src"
	dkms add -m scon -v "$version"
	dkms build -m scon -v "$version" -k "$kver"
	dkms install -m scon -v "$version" -k "$kver"
	echo "dkms.sh: scon $version installed for $kver; load it with: modprobe scon"
}

case ${1:-} in
stage)
	[ $# = 2 ] || usage
	stage "$2"
	;;
install)
	[ $# -le 2 ] || usage
	need_root_and_dkms
	install "${2:-$(uname -r)}"
	;;
uninstall)
	[ $# = 1 ] || usage
	need_root_and_dkms
	remove
	echo "dkms.sh: scon $version removed"
	;;
*) usage ;;
esac
