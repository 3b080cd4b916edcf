#!/usr/bin/env bash
# Boots a Debian kernel under QEMU (TCG: nested KVM hangs here) with
# virtme-ng and runs one command in it as root.
#
#   scripts/vm.sh [--kernel KVER | --kdir TREE] [--memory SIZE] [--append ARGS]
#                 [--out DIR] [--timeout SECS] -- CMD...
#
#   --kernel   release to boot, default: newest installed 6.1 (scripts/kver.sh)
#   --kdir     boot the kernel of a build tree instead (the debug kernel of
#              scripts/debug-kernel.sh); the guest's /lib/modules/$(uname -r)
#              then holds the tree's modules and modules.builtin, so modprobe
#              of a built-in feature succeeds
#   --memory   guest memory, default 1G
#   --append   more kernel command line
#   --out      directory the guest may write, default out/vm; it also holds
#              the command file and the exit status this script reads back
#   --timeout  kill the VM after SECS (default 3600)
#
# The guest sees the host's filesystem read-only, with the repository at the
# same path; CMD starts in the repository root. Writes outside DIR go to an
# overlay that vanishes with the VM. Guest output (stdout and stderr merged)
# streams to stdout and into DIR/console.log.
#
# VMs take turns: each holds the lock /tmp/scon-qemu.lock ($SCON_QEMU_LOCK)
# while it runs, as two of them would share two cores and disturb each
# other's timings; a second one waits for it, an hour at most.
#
# Exit status: CMD's. 125 when the guest never reported one (kernel panic,
# timeout, QEMU failure); DIR/console.log then holds the console.
#
# Example: scripts/vm.sh -- sh -c 'insmod kmod/scon.ko && dmesg | tail -n 3'
#
#   host --(vng, 9p/virtiofs)--> guest: / read-only overlay, DIR read-write
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=
kdir=
memory=1G
append=()
out=$top/out/vm
limit=3600

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--append) append=(--append "$2"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage

# kernel_args: vng's arguments for the kernel to boot. A build tree goes
# by KBUILD_OUTPUT (vng's --run would take its image alone, without the
# modules): vng links the tree's modules into a directory of its own
# (TREE/.virtme_mods) and mounts it as the guest's /lib/modules/RELEASE.
kernel_args() {
	if [ -n "$kdir" ]; then
		[ -f "$kdir/arch/x86/boot/bzImage" ] ||
			{ echo "vm.sh: no kernel image in $kdir (scripts/debug-kernel.sh builds one)" >&2; exit 1; }
		kdir=$(cd "$kdir" && pwd)
		export KBUILD_OUTPUT=$kdir
		return
	fi
	[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" 6.1)
	if [ -z "$kver" ] || [ ! -f "/boot/vmlinuz-$kver" ]; then
		echo "vm.sh: no kernel /boot/vmlinuz-$kver (run scripts/setup.sh)" >&2
		exit 1
	fi
	vng_kernel=(-r "/boot/vmlinuz-$kver")
}

vng_kernel=()
kernel_args
command -v vng >/dev/null || { echo "vm.sh: vng missing (run scripts/setup.sh)" >&2; exit 1; }

# wait_for_turn: holds the lock on fd 9 until this script ends.
wait_for_turn() {
	local lock=${SCON_QEMU_LOCK:-/tmp/scon-qemu.lock}
	exec 9>>"$lock"
	flock -n 9 && return 0
	echo "vm.sh: another VM holds $lock; waiting for it (1 hour at most)" >&2
	flock -w 3600 9 && return 0
	echo "vm.sh: $lock still held after an hour; giving up" >&2
	exit 1
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
wait_for_turn
cmdfile=$out/.vm-cmd.sh
status=$out/.vm-status
rm -f "$status"

# The command travels as a file: the kernel command line, which would
# otherwise carry it, is limited to 2 KiB.
{
	echo "cd $(printf %q "$top") || exit 126"
	# The cases' tunables (NLFUZZ_*, CHURN_*) travel too: the guest starts
	# with an environment of its own.
	for var in ${!NLFUZZ_@} ${!CHURN_@}; do
		printf 'export %s=%q\n' "$var" "${!var}"
	done
	printf '%q ' "$@"
	echo
	echo "echo \$? >$(printf %q "$status")"
} >"$cmdfile"

# vng checks that the guest side of --rwdir exists by a path relative to
# its working directory (or under one of its overlays such as /tmp): from /
# that path is the host's own.
cd /
set +e
timeout -k 10 "$limit" vng --disable-kvm "${vng_kernel[@]}" "${append[@]}" \
	--cpus 2 --memory "$memory" --rwdir="$out" \
	--exec "bash $(printf %q "$cmdfile")" 2>&1 | tee "$out/console.log"
vng_rc=${PIPESTATUS[0]}
set -e

if [ ! -s "$status" ]; then
	echo "vm.sh: the guest reported no exit status (vng/timeout status $vng_rc)" >&2
	exit 125
fi
exit "$(cat "$status")"
