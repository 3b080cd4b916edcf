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

# The other kernels' short run: the cases that touch what differs between
# kernel versions (hooks, netlink, bridge and conntrack interfaces).
KERNEL_CASES ?= smoke,express,netlink,fdbage,lifecycle

.PHONY: all setup kmod kmod-arm64 sconctl test test-go fuzz test-vm test-kernels test-arm64 test-debug test-churn demo bench bench-scale profile clean

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

# The fuzz targets, PACKAGE:TARGET: go test -fuzz takes one at a time.
FUZZ_TARGETS = ./internal/config:FuzzParse ./internal/cli:FuzzApply \
	./internal/sconnl:FuzzStatusReply ./internal/sconnl:FuzzFlowsReply \
	./internal/sconnl:FuzzConfigRoundTrip ./internal/sconnl:FuzzFileToRequest
FUZZTIME ?= 20s

test-go:
	$(GO) vet ./...
	$(GO) test ./...
	$(MAKE) fuzz FUZZTIME=10s

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
