#!/usr/bin/env bash
# Prints the newest installed Debian kernel release of the given series
# (for example "6.1"), the one the VM boots and scon.ko is built for.
series=${1:-6.1}
ls /boot/vmlinuz-"$series".* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1
