// Command nlbad sends malformed and forbidden requests to the generic
// netlink family "scon" and checks that each is refused with the expected
// errno and an extended-ack message, and that none of them changed the
// configuration. It prints one line per probe and exits 1 if any probe got
// another answer.
//
// The numbers come from kmod/uapi/scon.h; they are repeated here on
// purpose: the test must notice when the module stops honouring them.
//
// Run it as root: the last probes drop to the user nobody (setuid) to check
// that changes need CAP_NET_ADMIN while reads do not.
//
// Two other modes replace the probes:
//
//	nlbad -fuzz D [-seed N]   random and mutated requests for D (fuzz.go)
//	nlbad -dumps N            N flow dumps, each closed after a part (dumps.go)
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// From kmod/uapi/scon.h.
const (
	cmdGetStatus = 1
	cmdSetConfig = 2
	cmdAttach    = 3
	cmdDetach    = 4
	cmdFlush     = 5

	attrEnabled      = 3
	attrMaxFlows     = 5
	attrRevalidateMs = 6
	attrIdleMs       = 7
	attrProtocols    = 8
	attrBridges      = 9
	attrUplinks      = 10
	attrName         = 11
	attrExcludes     = 12
	attrExclude      = 13

	exclAddr   = 1
	exclPrefix = 2
)

// configAttrs are the status attributes a refused request must not change.
var configAttrs = []uint16{attrEnabled, attrMaxFlows, attrRevalidateMs,
	attrIdleMs, attrProtocols, attrBridges, attrUplinks, attrExcludes}

const nobody = 65534

func main() {
	family := flag.String("family", "scon", "generic netlink `family` to probe")
	fuzz := flag.Duration("fuzz", 0, "instead of the probes, send random and mutated requests for `d`")
	seed := flag.Int64("seed", 0, "seed of -fuzz (0: from the clock; printed either way)")
	dumps := flag.Int("dumps", 0, "instead of the probes, start `n` flow dumps and close each after its first part")
	flag.Parse()

	var failed int
	var err error
	switch {
	case *fuzz > 0:
		if *seed == 0 {
			*seed = time.Now().UnixNano() % 1000000007
		}
		failed, err = runFuzz(*family, *fuzz, *seed)
	case *dumps > 0:
		failed, err = runDumps(*family, *dumps)
	default:
		failed, err = run(*family)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nlbad:", err)
		os.Exit(1)
	}
	if failed > 0 {
		fmt.Printf("nlbad: %d checks failed\n", failed)
		os.Exit(1)
	}
	fmt.Println("nlbad: pass")
}

func run(name string) (int, error) {
	c, fam, err := dial(name)
	if err != nil {
		return 0, err
	}
	before, err := config(c, fam)
	if err != nil {
		return 0, fmt.Errorf("status before: %w", err)
	}
	failed := runProbes(c, fam, adminProbes())
	c.Close()

	if err := dropToNobody(); err != nil {
		return failed, err
	}
	c, fam, err = dial(name)
	if err != nil {
		return failed, fmt.Errorf("as nobody: %w", err)
	}
	defer c.Close()
	failed += runProbes(c, fam, unprivilegedProbes())

	after, err := config(c, fam)
	if err != nil {
		return failed + 1, fmt.Errorf("status as nobody (reads are open to everyone): %w", err)
	}
	if !bytes.Equal(before, after) {
		fmt.Println("FAIL configuration changed by refused requests")
		failed++
	} else {
		fmt.Println("ok   configuration unchanged, status readable as nobody")
	}
	return failed, nil
}

func dial(name string) (*genetlink.Conn, genetlink.Family, error) {
	// Strict turns on extended acknowledgements.
	c, err := genetlink.Dial(&netlink.Config{Strict: true})
	if err != nil {
		return nil, genetlink.Family{}, err
	}
	fam, err := c.GetFamily(name)
	if err != nil {
		c.Close()
		return nil, genetlink.Family{}, fmt.Errorf("family %q: %w", name, err)
	}
	return c, fam, nil
}

// config returns the configuration part of GET_STATUS, encoded, in a form
// that compares equal exactly when the configuration is the same.
func config(c *genetlink.Conn, fam genetlink.Family) ([]byte, error) {
	attrs, err := status(c, fam)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, want := range configAttrs {
		for _, a := range attrs {
			if a.Type&^netlink.Nested == want {
				out = append(out, attr(want, a.Data)...)
			}
		}
	}
	return out, nil
}

// state is config followed by the attached devices, in an order of their
// own, as a device detached and attached again comes back elsewhere.
func state(c *genetlink.Conn, fam genetlink.Family) ([]byte, error) {
	out, err := config(c, fam)
	if err != nil {
		return nil, err
	}
	attrs, err := status(c, fam)
	if err != nil {
		return nil, err
	}
	for _, a := range attrs {
		if a.Type&^netlink.Nested != attrDevices {
			continue
		}
		devices, err := netlink.UnmarshalAttributes(a.Data)
		if err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		var each []string
		for _, dev := range devices {
			each = append(each, string(attr(dev.Type, dev.Data)))
		}
		sort.Strings(each)
		out = append(out, attr(attrDevices, []byte(strings.Join(each, "")))...)
	}
	return out, nil
}

// configRequest returns the attributes of a SET_CONFIG request that sets
// the configuration GET_STATUS reports now.
func configRequest(c *genetlink.Conn, fam genetlink.Family) ([]byte, error) {
	attrs, err := status(c, fam)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, want := range configAttrs {
		for _, a := range attrs {
			if a.Type&^netlink.Nested == want {
				out = append(out, attr(a.Type, a.Data)...)
			}
		}
	}
	return out, nil
}

// status returns the attributes of a GET_STATUS reply.
func status(c *genetlink.Conn, fam genetlink.Family) ([]netlink.Attribute, error) {
	msgs, err := c.Execute(genetlink.Message{
		Header: genetlink.Header{Command: cmdGetStatus, Version: fam.Version},
	}, fam.ID, netlink.Request)
	if err != nil {
		return nil, err
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("%d status messages, want 1", len(msgs))
	}
	return netlink.UnmarshalAttributes(msgs[0].Data)
}

func dropToNobody() error {
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(nobody); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(nobody); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	return nil
}

func runProbes(c *genetlink.Conn, fam genetlink.Family, probes []probe) int {
	failed := 0
	for _, p := range probes {
		verdict := p.check(c, fam)
		if verdict != "" {
			failed++
			fmt.Printf("FAIL %s: %s\n", p.name, verdict)
		}
	}
	return failed
}
