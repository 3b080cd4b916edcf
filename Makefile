# scon: build, test and demo entry points. See README.md.
#
# The kernel the VM boots and the module is built for is Debian's newest
# installed 6.1 kernel unless KVER is given.

KVER ?= $(shell scripts/kver.sh 6.1)
KDIR ?= $(shell scripts/kdir.sh $(KVER))
GO ?= go

# The other kernels' short run: the cases that touch what differs between
# kernel versions (hooks, netlink, bridge and conntrack interfaces).
KERNEL_CASES ?= smoke,express,integrity,nat,droprule,lifecycle,netlink,fdbage,portmove

.PHONY: all setup kmod kmod-arm64 sconctl test test-go test-vm test-kernels test-arm64 demo bench bench-scale profile clean

all: kmod sconctl

setup:
	scripts/setup.sh

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

# scon.ko for Debian's arm64 kernel, cross-built in out/arm64/kmod.
kmod-arm64:
	scripts/arm64.sh kmod

sconctl:
	$(GO) build -o bin/sconctl ./cmd/sconctl

test-go:
	$(GO) vet ./...
	$(GO) test ./...

test-vm: kmod sconctl
	test/vm-suite.sh --kernel $(KVER)

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
