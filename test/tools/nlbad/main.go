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
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"syscall"

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
	flag.Parse()

	failed, err := run(*family)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nlbad:", err)
		os.Exit(1)
	}
	if failed > 0 {
		fmt.Printf("nlbad: %d probes failed\n", failed)
		os.Exit(1)
	}
	fmt.Println("nlbad: all probes refused as expected")
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
	msgs, err := c.Execute(genetlink.Message{
		Header: genetlink.Header{Command: cmdGetStatus, Version: fam.Version},
	}, fam.ID, netlink.Request)
	if err != nil {
		return nil, err
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("%d status messages, want 1", len(msgs))
	}
	attrs, err := netlink.UnmarshalAttributes(msgs[0].Data)
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
