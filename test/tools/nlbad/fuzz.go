package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// The fuzzer sends random and mutated requests in batches; after each
// batch the module must still answer a status request.
const batchSize = 100

// fuzzStats counts what one phase sent and what came back.
type fuzzStats struct {
	phase    string
	sent     int
	answered int
	silent   int // dropped by the netlink core by design (broken header)
	replies  int // reply messages before the answers (status, dump parts)
	changes  int // change requests sent
	batches  int
	kinds    map[string]int
	errnos   map[syscall.Errno]int
	failures []string
	start    time.Time
}

func newStats(phase string) *fuzzStats {
	return &fuzzStats{phase: phase, kinds: map[string]int{},
		errnos: map[syscall.Errno]int{}, start: time.Now()}
}

// failf records a failure with the datagram that caused it, in hex, so
// that it can be replayed without the generator.
func (s *fuzzStats) failf(m *fuzzMsg, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if m != nil {
		text += fmt.Sprintf(" (%s message, seq %d: %s)", m.kind, m.seq, hex.EncodeToString(m.bytes))
	}
	s.failures = append(s.failures, text)
	fmt.Printf("FAIL fuzz %s: %s\n", s.phase, text)
}

func (s *fuzzStats) String() string {
	var errnos []string
	for errno, n := range s.errnos {
		errnos = append(errnos, fmt.Sprintf("%s=%d", errnoName(errno), n))
	}
	sort.Strings(errnos)
	return fmt.Sprintf("fuzz %s: %d messages in %.1f s (random=%d mutated=%d valid=%d broken=%d), "+
		"%d answered, %d dropped unanswered by design, %d reply messages, %d change requests, "+
		"%d status checks; answers: %s",
		s.phase, s.sent, time.Since(s.start).Seconds(), s.kinds["random"], s.kinds["mutated"],
		s.kinds["valid"], s.kinds["broken"], s.answered, s.silent, s.replies, s.changes,
		s.batches, strings.Join(errnos, " "))
}

// fuzzer sends generated requests on a raw socket; check judges each
// answer for the phase (root or nobody).
type fuzzer struct {
	conn  *rawConn
	gen   *generator
	seq   uint32
	stats *fuzzStats
	check func(m *fuzzMsg, a answer)
}

// run fuzzes until the deadline, in batches, each followed by a status
// request the module must answer. It stops at the first failure.
func (f *fuzzer) run(deadline time.Time) {
	for time.Now().Before(deadline) && len(f.stats.failures) == 0 {
		for i := 0; i < batchSize && len(f.stats.failures) == 0; i++ {
			f.one()
		}
		f.alive()
	}
}

func (f *fuzzer) one() {
	f.seq++
	m := f.gen.message(f.seq)
	f.stats.sent++
	f.stats.kinds[m.kind]++
	if m.change {
		f.stats.changes++
	}
	if err := f.conn.send(m.bytes); err != nil {
		f.stats.failf(&m, "send: %v", err)
		return
	}
	if !m.answered {
		f.stats.silent++
		return
	}
	a, err := f.conn.await(m.seq)
	if err != nil {
		f.stats.failf(&m, "waiting for the answer: %v", err)
		return
	}
	f.stats.answered++
	f.stats.replies += a.replies
	f.stats.errnos[a.errno]++
	f.check(&m, a)
}

// alive: a status request gets its reply and an ack.
func (f *fuzzer) alive() {
	f.seq++
	f.stats.batches++
	req := nlmsg(f.gen.family, flagRequest|flagAck, f.seq, cmdGetStatus, f.gen.version, nil)
	if err := f.conn.send(req); err != nil {
		f.stats.failf(nil, "status after batch %d: send: %v", f.stats.batches, err)
		return
	}
	a, err := f.conn.await(f.seq)
	if err != nil || a.errno != 0 || a.replies != 1 {
		f.stats.failf(nil, "status after batch %d: %d replies, %v, %v; the module stopped answering",
			f.stats.batches, a.replies, a.ack, err)
	}
}

// checkRoot: as root any answer is fine, but an errno must be one a
// request can get, not a sign of the module's distress.
func checkRoot(s *fuzzStats) func(*fuzzMsg, answer) {
	return func(m *fuzzMsg, a answer) {
		switch a.errno {
		case 0, syscall.EINVAL, syscall.ERANGE, syscall.EOPNOTSUPP, syscall.ENODEV,
			syscall.ENOENT, syscall.E2BIG, syscall.EPERM, syscall.EMSGSIZE:
		default:
			s.failf(m, "unexpected errno %s (%v)", errnoName(a.errno), a.ack)
		}
	}
}

// checkNobody: every change request is refused with EPERM.
func checkNobody(s *fuzzStats) func(*fuzzMsg, answer) {
	return func(m *fuzzMsg, a answer) {
		if m.change && a.errno != syscall.EPERM {
			s.failf(m, "change request as nobody answered %s, want EPERM", errnoName(a.errno))
		}
	}
}

// runFuzz fuzzes the family for d: two thirds as root, then, with the
// configuration the module had at the start restored, one third as the
// user nobody, whose requests must change neither the configuration nor
// the attached devices.
func runFuzz(name string, d time.Duration, seed int64) (int, error) {
	fmt.Printf("nlbad: fuzz for %v with -seed %d\n", d, seed)
	c, fam, err := dial(name)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	start, err := state(c, fam)
	if err != nil {
		return 0, fmt.Errorf("status before: %w", err)
	}
	restore, err := configRequest(c, fam)
	if err != nil {
		return 0, fmt.Errorf("status before: %w", err)
	}

	gen := newGenerator(seed, fam.ID, fam.Version)
	root := newStats("root")
	if err := fuzzPhase(gen, root, checkRoot(root), time.Now().Add(d*2/3)); err != nil {
		return 0, err
	}
	failed := len(root.failures)
	failed += restoreConfig(c, fam, restore, start)

	if err := dropToNobody(); err != nil {
		return failed, err
	}
	nobody := newStats("nobody")
	if err := fuzzPhase(gen, nobody, checkNobody(nobody), time.Now().Add(d/3)); err != nil {
		return failed, err
	}
	failed += len(nobody.failures)
	failed += sameState(name, start)
	fmt.Printf("nlbad: seed %d, %d messages in all\n", seed, root.sent+nobody.sent)
	return failed, nil
}

func fuzzPhase(gen *generator, stats *fuzzStats, check func(*fuzzMsg, answer), deadline time.Time) error {
	conn, err := dialRaw()
	if err != nil {
		return err
	}
	defer conn.Close()
	f := &fuzzer{conn: conn, gen: gen, stats: stats, check: check}
	f.run(deadline)
	fmt.Println("nlbad:", stats)
	return nil
}

// restoreConfig sends back the configuration the module had at the start
// (root's random requests may well have changed it) and checks that the
// configuration and devices are those of the start again.
func restoreConfig(c *genetlink.Conn, fam genetlink.Family, restore []byte, start []byte) int {
	_, err := c.Execute(genetlink.Message{
		Header: genetlink.Header{Command: cmdSetConfig, Version: fam.Version},
		Data:   restore,
	}, fam.ID, netlink.Request|netlink.Acknowledge)
	if err != nil {
		fmt.Printf("FAIL restoring the configuration after the root phase: %v\n", err)
		return 1
	}
	now, err := state(c, fam)
	if err != nil || !bytes.Equal(now, start) {
		fmt.Printf("FAIL configuration and devices after restoring them differ from the start (%v)\n", err)
		return 1
	}
	fmt.Println("ok   configuration restored after the root phase")
	return 0
}

// sameState: as nobody, the state still equals start.
func sameState(name string, start []byte) int {
	c, fam, err := dial(name)
	if err != nil {
		fmt.Printf("FAIL dial as nobody after fuzzing: %v\n", err)
		return 1
	}
	defer c.Close()
	now, err := state(c, fam)
	switch {
	case err != nil:
		fmt.Printf("FAIL status as nobody after fuzzing: %v\n", err)
		return 1
	case !bytes.Equal(now, start):
		fmt.Println("FAIL configuration or attached devices changed by nobody's requests")
		return 1
	}
	fmt.Println("ok   configuration and attached devices unchanged by nobody's requests")
	return 0
}
