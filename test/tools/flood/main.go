// Command flood makes many short connections, each from a new source port,
// and keeps a few long ones alive, against an echo server (rtt serve), so
// that the VM suite can fill a flow cache and churn what it holds.
//
//	flood conns -c 10.0.0.2:8080 -proto tcp|udp -n N -rate R [-for D] [-conc C]
//	flood keep  -c 10.0.0.2:7000 [-interval I] [-for D]
//	flood watch [-every I] [-for D]
//
// conns opens up to N connections at R per second (each its own socket,
// so its own source port and its own conntrack entry), at most C at a
// time, and stops after -for even if fewer were opened. A TCP connection
// connects, sends one request, reads its echo and closes; a UDP one sends
// one datagram and waits for its echo, sending it again on the same socket
// up to -tries times (a lost datagram is not a broken path). Result line:
//
//	flood proto=tcp tried=2000 ok=2000 failed=0 secs=10.02 first_error=none
//
// keep holds one TCP connection and one UDP socket to the server and makes
// one request/response on each every -interval until -for ends or it is
// killed; it prints its counts every second (a killed one has printed
// what it did) and exits 1 when the TCP connection breaks:
//
//	keep tcp_ok=95 udp_ok=94 udp_lost=1
//
// watch asks scon for its status every -every over one netlink socket (a
// sconctl process each time would start far too slowly under QEMU) and
// prints one line per sample:
//
//	watch flow_count=32 max_flows=32 flows_refused_full=1234
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"scon/internal/sconnl"
	"scon/test/tools/internal/tool"
)

func main() {
	tool.Main("flood", map[string]tool.Command{
		"conns": conns,
		"keep":  keep,
		"watch": watch,
	})
}

type connOpts struct {
	target, proto string
	n, rate, conc int
	tries         int
	life, timeout time.Duration
}

type tally struct {
	tried, ok, failed atomic.Int64
	mu                sync.Mutex
	firstErr          error
}

func (t *tally) record(err error) {
	if err == nil {
		t.ok.Add(1)
		return
	}
	t.failed.Add(1)
	t.mu.Lock()
	if t.firstErr == nil {
		t.firstErr = err
	}
	t.mu.Unlock()
}

func conns(args []string) error {
	fs := flag.NewFlagSet("conns", flag.ExitOnError)
	var o connOpts
	fs.StringVar(&o.target, "c", "", "echo server `addr`")
	fs.StringVar(&o.proto, "proto", "tcp", "tcp or udp")
	fs.IntVar(&o.n, "n", 1000, "connections at most")
	fs.IntVar(&o.rate, "rate", 200, "new connections per second")
	fs.IntVar(&o.conc, "conc", 64, "connections open at once at most")
	fs.IntVar(&o.tries, "tries", 3, "UDP: sends of the datagram before it counts as failed")
	fs.DurationVar(&o.life, "for", 30*time.Second, "stop opening connections after `d`")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Second, "per connection (TCP) or per try (UDP)")
	fs.Parse(args)
	if o.target == "" || o.n < 1 || o.rate < 1 || o.conc < 1 || o.tries < 1 ||
		(o.proto != "tcp" && o.proto != "udp") {
		return errors.New("need -c, -proto tcp|udp, and -n, -rate, -conc, -tries >= 1")
	}

	var t tally
	start := time.Now()
	launch(&t, o)
	first := "none"
	if t.firstErr != nil {
		first = fmt.Sprintf("%q", t.firstErr.Error())
	}
	fmt.Printf("flood proto=%s tried=%d ok=%d failed=%d secs=%.2f first_error=%s\n",
		o.proto, t.tried.Load(), t.ok.Load(), t.failed.Load(), time.Since(start).Seconds(), first)
	return nil
}

// launch starts one connection per tick of the rate until -n or -for,
// never more than -conc at once, and waits for all of them.
func launch(t *tally, o connOpts) {
	one := tcpOnce
	if o.proto == "udp" {
		one = udpOnce
	}
	slots := make(chan struct{}, o.conc)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(o.rate))
	defer tick.Stop()
	end := time.Now().Add(o.life)
	for i := 0; i < o.n && time.Now().Before(end); i++ {
		<-tick.C
		slots <- struct{}{}
		t.tried.Add(1)
		wg.Add(1)
		go func(seq uint64) {
			defer wg.Done()
			t.record(one(o, seq))
			<-slots
		}(uint64(i))
	}
	wg.Wait()
}

func tcpOnce(o connOpts, seq uint64) error {
	conn, err := net.DialTimeout("tcp4", o.target, o.timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(o.timeout))
	return echoOnce(conn, seq)
}

func udpOnce(o connOpts, seq uint64) error {
	conn, err := net.Dial("udp4", o.target)
	if err != nil {
		return err
	}
	defer conn.Close()
	for try := 0; ; try++ {
		conn.SetDeadline(time.Now().Add(o.timeout))
		err = udpEcho(conn, seq)
		if err == nil || try+1 >= o.tries || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
	}
}

// echoOnce sends a 64-byte request numbered seq and reads its echo.
func echoOnce(conn net.Conn, seq uint64) error {
	req := make([]byte, 64)
	resp := make([]byte, 64)
	binary.BigEndian.PutUint64(req, seq)
	if _, err := conn.Write(req); err != nil {
		return err
	}
	if _, err := io.ReadFull(conn, resp); err != nil {
		return err
	}
	if got := binary.BigEndian.Uint64(resp); got != seq {
		return fmt.Errorf("echo of request %d answers %d", seq, got)
	}
	return nil
}

// udpEcho sends datagram seq and waits for its echo, skipping late echoes
// of earlier ones.
func udpEcho(conn net.Conn, seq uint64) error {
	req := make([]byte, 64)
	buf := make([]byte, 2048)
	binary.BigEndian.PutUint64(req, seq)
	if _, err := conn.Write(req); err != nil {
		return err
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return err
		}
		if n == len(req) && binary.BigEndian.Uint64(buf) == seq {
			return nil
		}
	}
}

func keep(args []string) error {
	fs := flag.NewFlagSet("keep", flag.ExitOnError)
	target := fs.String("c", "", "echo server `addr` (TCP and UDP)")
	interval := fs.Duration("interval", 20*time.Millisecond, "between request/responses")
	life := fs.Duration("for", time.Minute, "run for `d`")
	fs.Parse(args)

	tcp, err := net.DialTimeout("tcp4", *target, 3*time.Second)
	if err != nil {
		return err
	}
	defer tcp.Close()
	udp, err := net.Dial("udp4", *target)
	if err != nil {
		return err
	}
	defer udp.Close()

	var tcpOK, udpOK, udpLost int
	report := func() { fmt.Printf("keep tcp_ok=%d udp_ok=%d udp_lost=%d\n", tcpOK, udpOK, udpLost) }
	defer report()
	end := time.Now().Add(*life)
	last := time.Now()
	for seq := uint64(0); time.Now().Before(end); seq++ {
		tcp.SetDeadline(time.Now().Add(5 * time.Second))
		if err := echoOnce(tcp, seq); err != nil {
			return fmt.Errorf("tcp: %w", err)
		}
		tcpOK++
		udp.SetDeadline(time.Now().Add(*interval + 200*time.Millisecond))
		if udpEcho(udp, seq) == nil {
			udpOK++
		} else {
			udpLost++
		}
		if time.Since(last) >= time.Second {
			report()
			last = time.Now()
		}
		time.Sleep(*interval)
	}
	return nil
}

func watch(args []string) error {
	fs := flag.NewFlagSet("watch", flag.ExitOnError)
	every := fs.Duration("every", 100*time.Millisecond, "between samples")
	life := fs.Duration("for", 30*time.Second, "sample for `d`")
	fs.Parse(args)

	client, err := sconnl.Dial()
	if err != nil {
		return err
	}
	defer client.Close()
	for end := time.Now().Add(*life); time.Now().Before(end); time.Sleep(*every) {
		st, err := client.Status()
		if err != nil {
			return err
		}
		fmt.Printf("watch flow_count=%d max_flows=%d flows_refused_full=%d\n",
			st.FlowCount, st.MaxFlows, st.Counters[sconnl.CounterFlowsRefusedFull])
	}
	return nil
}
