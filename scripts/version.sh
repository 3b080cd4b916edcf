#!/usr/bin/env bash
# Prints scon's version: SCON_VERSION of kmod/scon.h, the one place it is
# written down. The module reports it, and the Makefile stamps it into
# sconctl, the DKMS source tree and the Debian packages.
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^#define SCON_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$top/kmod/scon.h")
[ -n "$version" ] || { echo "version.sh: no SCON_VERSION in $top/kmod/scon.h" >&2; exit 1; }
echo "$version"
