# scon: build, test and demo entry points. See README.md.
#
# The kernel the VM boots and the module is built for is Debian's newest
# installed 6.1 kernel unless KVER is given.

KVER ?= $(shell scripts/kver.sh 6.1)
KDIR ?= $(shell scripts/kdir.sh $(KVER))
GO ?= go

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
KERNEL_CASES ?= smoke,express,integrity,nat,droprule,lifecycle,netlink,fdbage,portmove

.PHONY: all setup kmod sconctl test test-go test-vm test-kernels demo bench bench-scale profile clean \
	dkms-install dkms-uninstall deb test-packages

all: kmod sconctl

setup:
	scripts/setup.sh

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

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

test-go:
	$(GO) vet ./...
	$(GO) test ./...
	cd scripts/pkg && $(GO) vet ./... && $(GO) test ./...

test-vm: kmod sconctl
	test/vm-suite.sh --kernel $(KVER)

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
