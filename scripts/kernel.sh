#!/usr/bin/env bash
# Makes a Debian kernel series available for building and booting, and
# prints its release (for example 5.10.0-32-amd64).
#
#   scripts/kernel.sh SERIES        SERIES: 5.10, 6.1 or 6.12
#
# 6.1 is bookworm's own kernel, which scripts/setup.sh installs. 5.10 comes
# from bullseye and 6.12 from bookworm-backports, through a private apt
# configuration under .cache/apt (the system's sources never gain a suite):
# the image is installed with dpkg (the VM boots it from /boot and loads its
# modules from /lib/modules), the headers are only unpacked under
# .cache/kernels, where scripts/kdir.sh finds them. Their packages depend
# on compilers and libraries of their own suite that bookworm lacks, and
# building a module needs none of them. Run as root; safe to run again.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:?usage: scripts/kernel.sh 5.10|6.1|6.12}
cache=$top/.cache
root=$cache/kernels/root

# shellcheck source=scripts/apt-private.sh
. "$top/scripts/apt-private.sh"

suite_of() {
	case $1 in
	5.10) echo bullseye ;;
	6.12) echo bookworm-backports ;;
	*) echo "kernel.sh: no Debian suite for kernel series $1 (5.10, 6.1, 6.12)" >&2; return 1 ;;
	esac
}

# newest_release SERIES: the newest release of SERIES that the private
# suite's linux-image-amd64 points at (apt also lists the installed one).
newest_release() {
	# shellcheck disable=SC2086
	apt-cache $APT_OPTS show linux-image-amd64 2>/dev/null |
		sed -n "s/^Depends: linux-image-\($1[.][^ ,]*-amd64\).*/\1/p" |
		sort -V | tail -n 1
}

# fetch PACKAGE...: downloads into the suite's private archive directory.
fetch() {
	# shellcheck disable=SC2086
	(cd "$APT_DIR" && apt-get $APT_OPTS download "$@" >/dev/null)
}

install_image() {
	local kver=$1 deb
	[ -f "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/kernel" ] && return 0
	echo "kernel.sh: installing linux-image-$kver" >&2
	fetch "linux-image-$kver" || fetch "linux-image-$kver-unsigned"
	# Whichever of the two was fetched; a pattern without a match stays
	# as written and fails the -f test.
	for deb in "$APT_DIR"/linux-image-"$kver"_*.deb "$APT_DIR"/linux-image-"$kver"-unsigned_*.deb; do
		[ ! -f "$deb" ] || break
	done
	[ -f "$deb" ] || { echo "kernel.sh: no linux-image-$kver package in $APT_DIR" >&2; return 1; }
	dpkg -i "$deb" >/dev/null
}

# unpack_headers KVER: the arch headers include the common ones by an
# absolute path, which is rewritten to where they are unpacked.
unpack_headers() {
	local kver=$1 common deb kbuild
	[ -f "$root/usr/src/linux-headers-$kver/Makefile" ] && return 0
	echo "kernel.sh: unpacking the headers of $kver into $root" >&2
	mkdir -p "$root"
	common=${kver%-amd64}-common
	kbuild=$(apt-cache $APT_OPTS show "linux-headers-$kver" |
		sed -n 's/^Depends:.*\(linux-kbuild-[^ ,]*\).*/\1/p' | head -n 1)
	fetch "linux-headers-$kver" "linux-headers-$common" "$kbuild"
	for deb in "$APT_DIR"/linux-headers-"$kver"_*.deb \
		"$APT_DIR"/linux-headers-"$common"_*.deb "$APT_DIR"/"$kbuild"_*.deb; do
		dpkg -x "$deb" "$root"
	done
	sed -i "s|/usr/src/|$root/usr/src/|" "$root/usr/src/linux-headers-$kver/Makefile"
}

if [ "$series" = 6.1 ]; then
	"$top/scripts/kver.sh" 6.1
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "kernel.sh: run as root (dpkg -i of the kernel image)" >&2; exit 1; }
suite=$(suite_of "$series")
apt_private "$suite"
# shellcheck disable=SC2086
apt-get $APT_OPTS update -qq
kver=$(newest_release "$series")
[ -n "$kver" ] || { echo "kernel.sh: $suite has no linux-image-amd64" >&2; exit 1; }
install_image "$kver"
unpack_headers "$kver"
echo "$kver"
