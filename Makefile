# scon: build, test and demo entry points. See README.md.
#
# The kernel the VM boots and the module is built for is Debian's newest
# installed 6.1 kernel unless KVER is given.

KVER ?= $(shell scripts/kver.sh 6.1)
KDIR ?= /lib/modules/$(KVER)/build
GO ?= go

# make test-debug: the debug kernel's build tree (cached, see
# scripts/debug-kernel.sh), scon.ko built for it in a copy of kmod/ (so
# that kmod/scon.ko stays the distro kernel's), and the suite arguments
# (DEBUG_ARGS, e.g. DEBUG_ARGS="--case smoke,express --ipt nft").
DEBUG_KMOD = out/debug/kmod
DEBUG_ARGS ?=

.PHONY: all setup kmod sconctl test test-go test-vm test-debug demo bench bench-scale profile clean

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

test-debug: sconctl
	tree=$$(scripts/debug-kernel.sh) && \
	rm -rf $(DEBUG_KMOD) && mkdir -p $(DEBUG_KMOD) && \
	cp -r kmod/Kbuild kmod/Makefile kmod/*.[ch] kmod/uapi $(DEBUG_KMOD)/ && \
	$(MAKE) -C $(DEBUG_KMOD) KDIR=$$tree && \
	test/vm-suite.sh --debug $$tree --ko $(DEBUG_KMOD)/scon.ko $(DEBUG_ARGS)

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
