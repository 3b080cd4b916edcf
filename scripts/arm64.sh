#!/usr/bin/env bash
# scon on arm64: cross-builds scon.ko for Debian's arm64 kernel of the same
# release as the amd64 one the VM suite boots (6.1), and boots that kernel
# under qemu-system-aarch64 (TCG, board virt, Cortex-A72 as in a Raspberry
# Pi 4, 2 vCPUs, 1.5 GB) for a short smoke test of the express path.
#
#   scripts/arm64.sh kmod                               out/arm64/kmod/scon.ko
#   scripts/arm64.sh test [--no-scon] [--timeout SECS]  the smoke (builds first)
#   scripts/arm64.sh prepare                            all the smoke builds, no VM
#
#   --no-scon  the same run without loading scon.ko: it must FAIL (the
#              express counters stay still), proof that the smoke can fail
#   --timeout  kill the VM after SECS (default 900)
#
# Everything arm64 comes from the Debian mirror through a private apt
# configuration (architecture arm64, the system's bookworm suites) under
# .cache/arm64/apt: the system's apt configuration and dpkg never see it.
# The packages are only unpacked (dpkg -x) under .cache/arm64:
#   root/     the kernel headers; their scripts are the host's amd64
#             linux-kbuild of the same version (Debian marks linux-kbuild
#             Multi-Arch: foreign: one built for the build machine serves
#             every target), as the arm64 one holds arm64 programs
#   image/    the kernel image and its modules
#   rootfs/   busybox, bash, iproute2, iptables, nftables, kmod, jq,
#             conntrack and their libraries, and the network modules
#   base.cpio.gz  rootfs/ as an initramfs, rebuilt when a package changes
# The module builds in a copy of kmod/ under out/arm64/kmod, so that
# kmod/scon.ko stays the amd64 one. sconctl and the test tools build with
# GOARCH=arm64 into out/arm64/bin. The initramfs is base.cpio.gz followed
# by a second archive with them, test/lib.sh and test/arm64/ (the kernel
# unpacks both); test/arm64/init runs test/arm64/smoke.sh as PID 1.
#
# SCON_ARM64_CACHE and SCON_ARM64_OUT move .cache/arm64 and out/arm64
# (a cold run beside a warm one, for example).
#
# The VM holds /tmp/scon-qemu.lock ($SCON_QEMU_LOCK) while it runs, as
# scripts/vm.sh does. The guest's console goes to stdout and to
# out/arm64/console.log.
#
# Exit status: the smoke's (0 PASS, 1 FAIL); 125 when the guest reported
# none (panic, time limit); 1 when something could not be fetched or built.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SCON_ARM64_CACHE:-$top/.cache/arm64}
out=${SCON_ARM64_OUT:-$top/out/arm64}
limit=900
smoke_args=

# Packages of the guest's root filesystem; apt adds their dependencies.
guest_packages="busybox-static bash iproute2 iptables nftables kmod jq conntrack"
# Dependencies only the package manager uses, never the guest.
unpacked_never="base-files cdebconf debconf debianutils dpkg install-info tar
	libdebian-installer4 libnewt0.52 libslang2 libtextwrap1 readline-common"
# The network modules the smoke may load (the kernel asks modprobe for
# netfilter's as rules need them), with what they depend on.
module_dirs="kernel/net/netfilter kernel/net/ipv4 kernel/net/ipv6/netfilter
	kernel/net/bridge kernel/drivers/net/veth.ko"

log() { echo "arm64: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

# shellcheck source=scripts/apt-private.sh
. "$top/scripts/apt-private.sh"

# apt_arm64: APT_DIR and APT_OPTS for a private apt configuration with
# architecture arm64 and the suites the system uses (bookworm, -updates,
# -security: Debian's kernel moves on in the last). Its lists, cache and
# (empty) dpkg status are its own, so nothing of the system's changes.
apt_arm64() {
	local security
	APT_DIR=$cache/apt
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" "$APT_DIR/cache"
	security=$(sed -n 's/^URIs: *\(.*security.*\)/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		head -n 1 | grep . || echo http://security.debian.org/debian-security)
	{
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) bookworm main"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) bookworm-updates main"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $security bookworm-security main"
	} >"$APT_DIR/sources.list"
	: >>"$APT_DIR/status"
	APT_OPTS="-o APT::Architecture=arm64 -o APT::Architectures=arm64"
	APT_OPTS+=" -o Dir::Etc::SourceList=$APT_DIR/sources.list"
	APT_OPTS+=" -o Dir::Etc::SourceParts=/dev/null"
	APT_OPTS+=" -o Dir::State::Lists=$APT_DIR/lists"
	APT_OPTS+=" -o Dir::State::status=$APT_DIR/status"
	APT_OPTS+=" -o Dir::Cache=$APT_DIR/cache"
	APT_OPTS+=" -o Dir::Cache::Archives=$APT_DIR/archives"
	# lists older than a day are fetched again: the kernel may have moved on
	if [ -z "$(find "$APT_DIR/lists" -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null)" ]; then
		log "fetching the arm64 package lists"
		# shellcheck disable=SC2086
		apt-get $APT_OPTS update -qq
		touch "$APT_DIR/lists"/*_Packages
	fi
}

# debs PACKAGE...: the .deb of each package's candidate version, one a
# line, downloaded into the private archive directory unless there.
debs() {
	local files f missing=()
	# shellcheck disable=SC2086
	files=$(apt-get $APT_OPTS download --print-uris "$@" | awk '{ print $2 }')
	[ -n "$files" ] || die "apt knows none of $*"
	for f in $files; do
		[ -f "$APT_DIR/archives/$f" ] || missing+=("${f%%_*}")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "downloading ${missing[*]}"
		# shellcheck disable=SC2086
		(cd "$APT_DIR/archives" && apt-get $APT_OPTS download "${missing[@]}" >/dev/null 2>&1) ||
			die "apt-get download ${missing[*]} failed"
	fi
	for f in $files; do
		echo "$APT_DIR/archives/$f"
	done
}

# kernel_release: Debian's arm64 release matching the amd64 one, e.g.
# 6.1.0-57-arm64 for 6.1.0-57-amd64.
kernel_release() {
	local amd64
	amd64=$("$top/scripts/kver.sh" 6.1)
	[ -n "$amd64" ] || die "no amd64 6.1 kernel in /boot (run scripts/setup.sh)"
	echo "${amd64%-amd64}-arm64"
}

# headers KVER: unpacks the arm64 headers into $cache/root and points their
# scripts at the host's linux-kbuild, which must be the same version.
headers() {
	local kver=$1 root=$cache/root common=${1%-arm64}-common kbuild version host_version
	local dir=$cache/root/usr/src/linux-headers-$1 arch_deb common_deb
	{ read -r arch_deb && read -r common_deb; } < <(debs "linux-headers-$kver" "linux-headers-$common")
	version=$(dpkg-deb -f "$arch_deb" Version)
	kbuild=$(dpkg-deb -f "$arch_deb" Depends | grep -o 'linux-kbuild-[0-9.]*')
	host_version=$(dpkg-query -W -f='${Version}' "$kbuild" 2>/dev/null || true)
	[ "$host_version" = "$version" ] ||
		die "the arm64 headers are $version, the host's $kbuild is '${host_version:-not installed}': install $kbuild=$version (scripts/setup.sh installs the amd64 headers with it)"
	if [ ! -f "$dir/.unpacked-$version" ]; then
		log "unpacking linux-headers-$kver $version into $root"
		rm -rf "$dir" "$root/usr/src/linux-headers-$common"
		mkdir -p "$root/usr/lib"
		dpkg -x "$arch_deb" "$root"
		dpkg -x "$common_deb" "$root"
		# the arch headers include the common ones by an absolute path
		sed -i "s|^include /usr/src/|include $root/usr/src/|" "$dir/Makefile"
		touch "$dir/.unpacked-$version"
	fi
	# $dir/scripts -> ../../lib/$kbuild/scripts, now the host's
	ln -sfn "/usr/lib/$kbuild" "$root/usr/lib/$kbuild"
	echo "$dir"
}

# build_kmod: scon.ko for arm64 in a copy of kmod/, with W=1 (kmod/Makefile);
# a compiler or modpost warning fails the build.
build_kmod() {
	local kver kdir
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		die "aarch64-linux-gnu-gcc missing: apt-get install gcc-aarch64-linux-gnu (scripts/setup.sh does)"
	apt_arm64
	kver=$(kernel_release)
	kdir=$(headers "$kver")
	rm -rf "$out/kmod"
	mkdir -p "$out/kmod"
	cp -r "$top"/kmod/Kbuild "$top"/kmod/Makefile "$top"/kmod/*.[ch] "$top"/kmod/uapi "$out/kmod/"
	log "building scon.ko for $kver"
	make -C "$out/kmod" KDIR="$kdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- 2>&1 |
		tee "$out/kmod-build.log"
	[ "${PIPESTATUS[0]}" = 0 ] || die "the arm64 build failed (log: $out/kmod-build.log)"
	! grep -i 'warning' "$out/kmod-build.log" || die "the arm64 build warns (log: $out/kmod-build.log)"
	file "$out/kmod/scon.ko" | grep -q 'ARM aarch64' || die "$out/kmod/scon.ko is not an aarch64 object"
	log "built $out/kmod/scon.ko ($(modinfo -F vermagic "$out/kmod/scon.ko"))"
}

build_go() {
	local tool
	mkdir -p "$out/bin"
	log "building sconctl, xfer and udprr for arm64"
	(cd "$top" && GOARCH=arm64 CGO_ENABLED=0 go build -ldflags='-s -w' -o "$out/bin/sconctl" ./cmd/sconctl)
	for tool in xfer udprr; do
		(cd "$top" && GOARCH=arm64 CGO_ENABLED=0 go build -ldflags='-s -w' -o "$out/bin/$tool" "./test/tools/$tool")
	done
}

# image KVER: the kernel image and its modules, unpacked into $cache/image.
image() {
	local kver=$1 deb
	deb=$(debs "linux-image-$kver")
	if [ ! -f "$cache/image/.unpacked-$(basename "$deb")" ]; then
		log "unpacking $(basename "$deb")"
		rm -rf "$cache/image"
		mkdir -p "$cache/image"
		dpkg -x "$deb" "$cache/image"
		depmod -b "$cache/image" "$kver"
		touch "$cache/image/.unpacked-$(basename "$deb")"
	fi
}

# guest_debs: the .deb files of the guest packages and their dependencies.
guest_debs() {
	local pkgs p
	# shellcheck disable=SC2086
	pkgs=$(apt-cache $APT_OPTS depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances $guest_packages |
		grep -v -e '^ ' -e '^<' | sort -u)
	for p in $unpacked_never; do
		pkgs=$(grep -vx "$p" <<<"$pkgs")
	done
	# shellcheck disable=SC2086
	debs $pkgs
}

# base_initramfs KVER: $cache/base.cpio.gz, the guest's packages and
# network modules, rebuilt when the kernel or a package changes.
base_initramfs() {
	local kver=$1 debs key deb
	debs=$(guest_debs)
	key=$( (echo "$kver"; basename -a $debs; cat "$0") | sha256sum | cut -c1-16)
	[ "$(cat "$cache/base.key" 2>/dev/null)" != "$key" ] || return 0
	log "assembling the guest's root filesystem in $cache/rootfs"
	rm -rf "$cache/rootfs"
	mkdir -p "$cache/rootfs"
	for deb in $debs; do
		dpkg -x "$deb" "$cache/rootfs"
	done
	guest_modules "$kver"
	check_libraries "$cache/rootfs"
	mkdir -p "$cache/rootfs"/{dev,proc,sys,run,tmp,var}
	ln -sfn /run "$cache/rootfs/var/run"
	(cd "$cache/rootfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/base.cpio.gz"
	echo "$key" >"$cache/base.key"
	log "base initramfs: $(du -h "$cache/base.cpio.gz" | cut -f1)"
}

# guest_modules KVER: the modules under $module_dirs and their
# dependencies, copied into the rootfs with their module index.
guest_modules() {
	local kver=$1 src=$cache/image/lib/modules/$1 dst=$cache/rootfs/lib/modules/$1 names
	names=$(cd "$src" && find $module_dirs -name '*.ko' | sed 's|.*/||; s|\.ko$||')
	mkdir -p "$dst"
	# shellcheck disable=SC2086
	for name in $names; do
		modprobe -d "$cache/image" -S "$kver" --show-depends "$name"
	done | awk '$1 == "insmod" { print $2 }' | sort -u | sed "s|^$src/||" |
		(cd "$src" && xargs cp --parents -t "$dst")
	cp "$src"/modules.order "$src"/modules.builtin "$src"/modules.builtin.modinfo "$dst/"
	depmod -b "$cache/rootfs" "$kver"
	log "guest modules: $(find "$dst" -name '*.ko' | wc -l)"
}

# check_libraries ROOT: every shared library an ELF file of ROOT needs is
# in ROOT, so that no program of the smoke fails to start in the guest.
check_libraries() {
	local root=$1 f lib missing=
	while read -r f; do
		for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$root/lib/aarch64-linux-gnu/$lib" ] || [ -e "$root/usr/lib/aarch64-linux-gnu/$lib" ] ||
				[ -e "$root/lib/$lib" ] || missing+=" $lib (${f#"$root"})"
		done
	done < <(find "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin \
		"$root"/lib/aarch64-linux-gnu "$root"/usr/lib/aarch64-linux-gnu \
		"$root"/usr/lib/aarch64-linux-gnu/xtables -maxdepth 1 -type f 2>/dev/null)
	[ -z "$missing" ] || die "libraries missing from the guest:$missing (add their packages to guest_packages)"
}

# test_initramfs: the second archive (scon, tools, scripts) after the base.
test_initramfs() {
	local stage=$out/stage
	rm -rf "$stage"
	mkdir -p "$stage/scon/bin" "$stage/scon/test/arm64"
	cp "$top/test/arm64/init" "$stage/init"
	cp "$top/test/lib.sh" "$stage/scon/test/"
	cp "$top/test/arm64/smoke.sh" "$stage/scon/test/arm64/"
	cp "$out"/bin/* "$stage/scon/bin/"
	cp "$out/kmod/scon.ko" "$stage/scon/"
	echo "$smoke_args" >"$stage/scon/args"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/test.cpio.gz"
	cat "$cache/base.cpio.gz" "$out/test.cpio.gz" >"$out/initrd.img"
}

# wait_for_turn: holds the VM lock on fd 9 until this script ends.
wait_for_turn() {
	local lock=${SCON_QEMU_LOCK:-/tmp/scon-qemu.lock}
	exec 9>>"$lock"
	flock -n 9 && return 0
	log "another VM holds $lock; waiting for it (1 hour at most)"
	flock -w 3600 9 || die "$lock still held after an hour; giving up"
}

boot() {
	local kver=$1 t0 rc
	command -v qemu-system-aarch64 >/dev/null ||
		die "qemu-system-aarch64 missing: apt-get install qemu-system-arm (scripts/setup.sh does)"
	wait_for_turn
	log "booting $kver under qemu-system-aarch64 (TCG), time limit $limit s"
	t0=$SECONDS
	set +e
	timeout -k 10 "$limit" qemu-system-aarch64 -machine virt -cpu cortex-a72 -smp 2 -m 1536 \
		-accel tcg -display none -monitor none -serial stdio -no-reboot -nic none \
		-kernel "$cache/image/boot/vmlinuz-$kver" -initrd "$out/initrd.img" \
		-append "console=ttyAMA0 rdinit=/init panic=-1 loglevel=4" \
		</dev/null 2>&1 | tee "$out/console.log"
	set -e
	log "the VM ran $((SECONDS - t0)) s"
	rc=$(sed -n 's/^scon-arm64: exit \([0-9]*\).*/\1/p' "$out/console.log" | tail -n 1)
	if [ -z "$rc" ]; then
		log "FAIL: the guest reported no exit status (panic or time limit; see $out/console.log)"
		return 125
	fi
	return "$rc"
}

prepare() {
	build_kmod
	build_go
	image "$(kernel_release)"
	base_initramfs "$(kernel_release)"
	test_initramfs
}

cmd=${1:-}
[ $# = 0 ] || shift
while [ $# -gt 0 ]; do
	case $1 in
	--no-scon) smoke_args=--no-scon; shift ;;
	--timeout) limit=$2; shift 2 ;;
	*) usage ;;
	esac
done
mkdir -p "$cache" "$out"
case $cmd in
kmod) build_kmod ;;
prepare) prepare ;;
test)
	prepare
	boot "$(kernel_release)"
	;;
*) usage ;;
esac
