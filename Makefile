# scon: build, test and demo entry points. See README.md.
#
# The kernel the VM boots and the module is built for is Debian's newest
# installed 6.1 kernel unless KVER is given.

KVER ?= $(shell scripts/kver.sh 6.1)
KDIR ?= $(shell scripts/kdir.sh $(KVER))
GO ?= go

# make test-debug: the debug kernel's build tree (cached, see
# scripts/debug-kernel.sh), scon.ko built for it in a copy of kmod/ (so
# that kmod/scon.ko stays the distro kernel's), and the suite arguments
# (DEBUG_ARGS, e.g. DEBUG_ARGS="--case smoke,express --ipt nft").
DEBUG_KMOD = out/debug/kmod
DEBUG_ARGS ?=

# scon's version, written down once: SCON_VERSION in kmod/scon.h.
VERSION := $(shell scripts/version.sh)

# The kernel make dkms-install builds for: the running one unless KVER is
# given (the default KVER above is the VM's kernel).
DKMS_KVER = $(if $(filter file,$(origin KVER)),$(shell uname -r),$(KVER))

# make deb GOARCH=arm64 packages sconctl for arm64; the default is amd64.
DEB_GOARCH := $(or $(GOARCH),amd64)
DEB_STAGE := out/deb/stage

# The other kernels' short run: the cases that touch what differs between
# kernel versions (hooks, netlink, bridge and conntrack interfaces).
KERNEL_CASES ?= smoke,express,netlink,fdbage,lifecycle

.PHONY: all setup kmod kmod-arm64 sconctl test test-go fuzz test-vm test-kernels test-arm64 test-debug test-churn demo bench bench-scale profile clean \
	dkms-install dkms-uninstall deb test-packages

all: kmod sconctl

setup:
	scripts/setup.sh

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

# scon.ko for Debian's arm64 kernel, cross-built in out/arm64/kmod.
kmod-arm64:
	scripts/arm64.sh kmod

sconctl:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/sconctl ./cmd/sconctl

# DKMS builds scon.ko for DKMS_KVER now and for every kernel installed later.
dkms-install:
	scripts/dkms.sh install $(DKMS_KVER)

dkms-uninstall:
	scripts/dkms.sh uninstall

# out/deb: scon-dkms (the module's source for DKMS, all architectures) and
# sconctl (the CLI, its configuration and boot units) for DEB_GOARCH.
# The packager (scripts/pkg, a module of its own) runs on the build machine
# whatever GOARCH says.
deb:
	rm -rf $(DEB_STAGE)
	scripts/dkms.sh stage $(DEB_STAGE)/scon-$(VERSION)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(DEB_GOARCH) $(GO) build -trimpath \
		-ldflags "-s -w -X main.version=$(VERSION)" -o $(DEB_STAGE)/sconctl ./cmd/sconctl
	cd scripts/pkg && GOOS= GOARCH= $(GO) run . -top $(CURDIR) -version $(VERSION) \
		-arch $(DEB_GOARCH) -dkms-source $(CURDIR)/$(DEB_STAGE)/scon-$(VERSION) \
		-sconctl $(CURDIR)/$(DEB_STAGE)/sconctl -out $(CURDIR)/out/deb

# The fuzz targets, PACKAGE:TARGET: go test -fuzz takes one at a time.
FUZZ_TARGETS = ./internal/config:FuzzParse ./internal/cli:FuzzApply \
	./internal/sconnl:FuzzStatusReply ./internal/sconnl:FuzzFlowsReply \
	./internal/sconnl:FuzzConfigRoundTrip ./internal/sconnl:FuzzFileToRequest
FUZZTIME ?= 20s

test-go:
	$(GO) vet ./...
	$(GO) test ./...
	$(MAKE) fuzz FUZZTIME=10s
	cd scripts/pkg && $(GO) vet ./... && $(GO) test ./...

# Each fuzz target for FUZZTIME. A failing input lands in the package's
# testdata/fuzz, where go test replays it from then on. Minimizing new
# inputs is capped: uncapped, it stalls the yaml parser's targets.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz: $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test "$${t%%:*}" -run '^$$' -fuzz "^$${t#*:}$$" \
			-fuzztime $(FUZZTIME) -fuzzminimizetime 2s; \
	done

test-vm: kmod sconctl
	test/vm-suite.sh --kernel $(KVER)

test-debug: sconctl
	tree=$$(scripts/debug-kernel.sh) && \
	rm -rf $(DEBUG_KMOD) && mkdir -p $(DEBUG_KMOD) && \
	cp -r kmod/Kbuild kmod/Makefile kmod/*.[ch] kmod/uapi $(DEBUG_KMOD)/ && \
	$(MAKE) -C $(DEBUG_KMOD) KDIR=$$tree && \
	test/vm-suite.sh --debug $$tree --ko $(DEBUG_KMOD)/scon.ko $(DEBUG_ARGS)

# Field case 17 at full length: ten minutes of churn, without and with scon.
test-churn: kmod sconctl
	CHURN_SECS=600 test/vm-suite.sh --kernel $(KVER) --case churn --ipt nft

# The packages as a device installs them (test/cases/packages.sh), in
# its own VM: DKMS compiles scon under TCG, which takes minutes.
test-packages: deb
	test/vm-suite.sh --kernel $(KVER) --case packages --ipt nft

test: setup
	$(MAKE) test-go
	$(MAKE) test-vm
	$(MAKE) sconctl
	scripts/test-kernel.sh 5.10 --case $(KERNEL_CASES) --ipt nft
	scripts/test-kernel.sh 6.12 --case $(KERNEL_CASES) --ipt nft
	$(MAKE) -C kmod KDIR=$(KDIR) clean all
	scripts/arm64.sh test

# The smoke on Debian's arm64 kernel under qemu-system-aarch64 (TCG).
test-arm64: setup
	scripts/arm64.sh test

# The whole suite on every supported kernel series.
test-kernels: setup sconctl
	scripts/test-kernel.sh 5.10
	scripts/test-kernel.sh 6.1
	scripts/test-kernel.sh 6.12

demo: setup
	$(MAKE) kmod sconctl
	scripts/demo.sh --kernel $(KVER)

bench: setup
	$(MAKE) kmod sconctl
	scripts/bench.sh --kernel $(KVER)

bench-scale: setup
	$(MAKE) kmod sconctl
	scripts/bench.sh --kernel $(KVER) --scale

profile: setup
	$(MAKE) kmod sconctl
	scripts/bench.sh --kernel $(KVER) --profile

clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean
	rm -rf bin out
