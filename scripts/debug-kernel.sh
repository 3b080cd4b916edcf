#!/usr/bin/env bash
# Builds the debug kernel of `make test-debug`, or finds it built: Debian's
# linux-source-6.1 (the version of the installed 6.1 image when the archive
# still has it) configured as x86_64 defconfig plus
# scripts/debug-kernel.config (KASAN, lockdep, kmemleak, atomic-sleep
# checks, and what the VM suite needs built in). Prints the build tree.
#
#   scripts/debug-kernel.sh [--cache DIR] [--print]
#
#   --cache  where the package, the sources and the build trees live,
#            default .cache/debug-kernel ($SCON_DEBUG_CACHE)
#   --print  only print the build tree that would be used; exit 1 if it
#            is not built yet
#
# Cache: the tree is DIR/build-VERSION-HASH, HASH of the config fragment;
# it counts as built once DIR/build-VERSION-HASH/.scon-built exists, so a
# second run with the same package version and fragment builds nothing.
# The first build takes about half an hour on two cores; it runs under
# nice -n 19 so that VMs on the same cores keep their timings.
#
# Boot it with scripts/vm.sh --kdir TREE (virtme-ng then serves the tree's
# modules and modules.builtin under /lib/modules/$(uname -r) in the guest).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SCON_DEBUG_CACHE:-$top/.cache/debug-kernel}
fragment=$top/scripts/debug-kernel.config
print_only=0

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--print) print_only=1; shift ;;
	*) usage ;;
	esac
done

say() { echo "debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

# need_build_tools: what a kernel build needs beyond the module build's
# (scripts/setup.sh installs the rest).
need_build_tools() {
	local missing=() pkg
	for pkg in flex bison bc libelf-dev libssl-dev; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
		die "could not install ${missing[*]} (run as root, or install them)"
}

# source_version: the linux-source-6.1 version to build: the installed
# 6.1 image's when the archive has it (same patches as the normal suite's
# kernel), else the newest the archive has.
source_version() {
	local kver image_ver
	kver=$("$top/scripts/kver.sh" 6.1)
	image_ver=$(dpkg-query -W -f='${Version}' "linux-image-$kver" 2>/dev/null || true)
	if [ -n "$image_ver" ] &&
		apt-cache madison linux-source-6.1 | awk '{ print $3 }' | grep -qxF "$image_ver"; then
		echo "$image_ver"
		return
	fi
	apt-cache policy linux-source-6.1 | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }' |
		grep . || die "no linux-source-6.1 in the apt sources (apt-get update?)"
}

# fetch_source VERSION: DIR/src-VERSION/linux-source-6.1, unpacked once.
fetch_source() {
	local ver=$1 src=$cache/src-$1 deb
	if [ -f "$src/.unpacked" ]; then
		echo "$src/linux-source-6.1"
		return
	fi
	mkdir -p "$src"
	deb=$(find "$cache" -maxdepth 1 -name "linux-source-6.1_${ver}_all.deb" | head -n 1)
	if [ -z "$deb" ]; then
		say "downloading linux-source-6.1 $ver"
		# apt's sandbox user cannot write a root-owned cache: download as is.
		(cd "$cache" && apt-get download -q "linux-source-6.1=$ver" 2>&1 |
			grep -v 'Download is performed unsandboxed' >&2) ||
			die "apt-get download linux-source-6.1=$ver failed"
		deb=$cache/linux-source-6.1_${ver}_all.deb
	fi
	say "unpacking $deb"
	rm -rf "$src/pkg" "$src/linux-source-6.1"
	dpkg -x "$deb" "$src/pkg"
	tar -C "$src" -xaf "$src"/pkg/usr/src/linux-source-6.1.tar.*
	rm -rf "$src/pkg"
	touch "$src/.unpacked"
	echo "$src/linux-source-6.1"
}

# configure SRC TREE: defconfig + the fragment; every option the fragment
# names must come out as asked, or the fragment asks for something this
# kernel does not have (or a dependency is missing).
configure() {
	local src=$1 tree=$2 wrong
	make -s -C "$src" O="$tree" defconfig >&2
	(cd "$tree" && KCONFIG_CONFIG=.config "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$tree" .config "$fragment" >/dev/null)
	make -s -C "$src" O="$tree" olddefconfig >&2
	wrong=$(config_mismatches "$tree/.config")
	[ -z "$wrong" ] || die "these options of $fragment did not take:
$wrong"
}

# config_mismatches CONFIG: fragment lines that CONFIG does not have.
config_mismatches() {
	local line opt
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
		*) continue ;;
		esac
		if [[ $line == *" is not set" ]]; then
			! grep -qE "^$opt=[ym]" "$1" || echo "  $line (got $(grep "^$opt=" "$1"))"
		else
			grep -qxF "$line" "$1" || echo "  $line (got $(grep -E "^(# )?$opt[= ]" "$1" || echo nothing))"
		fi
	done <"$fragment"
}

# build SRC TREE: the kernel and its modules, then virtme-ng's module
# directory (TREE/.virtme_mods), which vng would otherwise make at boot.
build() {
	local src=$1 tree=$2 t0=$SECONDS
	say "building in $tree (nice -n 19, -j2; about half an hour)"
	nice -n 19 make -s -C "$src" O="$tree" -j2 bzImage modules >&2
	(cd "$tree" && nice -n 19 make -s modules_prepare >&2)
	(cd "$tree" && virtme-prep-kdir-mods >&2) || die "virtme-prep-kdir-mods failed in $tree"
	say "built in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s"
}

main() {
	local ver hash tree src
	ver=$(source_version)
	hash=$(sha256sum "$fragment" | cut -c1-12)
	tree=$cache/build-$ver-$hash
	if [ -f "$tree/.scon-built" ]; then
		echo "$tree"
		return
	fi
	[ "$print_only" = 0 ] || die "not built yet: $tree (scripts/debug-kernel.sh)"
	mkdir -p "$cache"
	need_build_tools
	src=$(fetch_source "$ver")
	mkdir -p "$tree"
	configure "$src" "$tree"
	build "$src" "$tree"
	echo "linux-source-6.1 $ver, fragment sha256 $hash" >"$tree/.scon-built"
	echo "$tree"
}

main
