# scon: build, test and demo entry points. See README.md.
#
# The kernel the VM boots and the module is built for is Debian's newest
# installed 6.1 kernel unless KVER is given.

KVER ?= $(shell scripts/kver.sh 6.1)
KDIR ?= /lib/modules/$(KVER)/build
GO ?= go

.PHONY: all setup kmod sconctl test test-go test-vm test-churn demo bench bench-scale profile clean

all: kmod sconctl

setup:
	scripts/setup.sh

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

sconctl:
	$(GO) build -o bin/sconctl ./cmd/sconctl

test-go:
	$(GO) vet ./...
	$(GO) test ./...

test-vm: kmod sconctl
	test/vm-suite.sh --kernel $(KVER)

# Field case 17 at full length: ten minutes of churn, without and with scon.
test-churn: kmod sconctl
	CHURN_SECS=600 test/vm-suite.sh --kernel $(KVER) --case churn --ipt nft

test: setup
	$(MAKE) test-go
	$(MAKE) test-vm

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
