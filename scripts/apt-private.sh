# shellcheck shell=bash
# Sourced by scripts/setup.sh and scripts/kernel.sh: apt options for a
# private configuration of one Debian suite under .cache/apt/SUITE, so that
# packages of other suites (virtme-ng from trixie, kernels of bullseye and
# bookworm-backports) never enter the system's own sources. A later
# `apt-get install` would otherwise upgrade libc and much of the system.

debian_mirror() {
	sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		head -n 1 | grep . || echo http://deb.debian.org/debian
}

# apt_private SUITE: sets APT_DIR (its download directory) and APT_OPTS.
apt_private() {
	APT_DIR=$top/.cache/apt/$1
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" "$APT_DIR/cache"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $1 main" \
		>"$APT_DIR/sources.list"
	APT_OPTS="-o Dir::Etc::SourceList=$APT_DIR/sources.list"
	APT_OPTS+=" -o Dir::Etc::SourceParts=/dev/null"
	APT_OPTS+=" -o Dir::State::Lists=$APT_DIR/lists"
	APT_OPTS+=" -o Dir::Cache=$APT_DIR/cache"
	APT_OPTS+=" -o Dir::Cache::Archives=$APT_DIR/archives"
}
