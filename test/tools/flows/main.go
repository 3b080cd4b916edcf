// Command flows drives many concurrent UDP flows, or one TCP connection a
// round trip at a time, through a path, for scon's scale benchmark.
//
//	flows serve -l :5300 [-for D]
//	flows blast -c 10.0.0.2:5300 -flows N [-warm W] [-for D] [-size B]
//	flows step -c 10.0.0.2:8080
//
// serve echoes datagrams that start with 'E', answers 'Q' with the number
// of other datagrams it received since the last 'Q', and counts the rest.
//
// blast opens N UDP sockets (N flows with distinct source ports), makes W
// echo rounds over all of them so that both directions of every flow are
// seen (conntrack and scon learn them), waits -settle, then sends one-way
// datagrams round-robin over the flows for -for. It reads /proc/stat
// around that phase and prints what one forwarded packet cost, in CPU
// nanoseconds of the whole machine (busy: everything but idle and iowait;
// sirq: softirq alone), and how many packets the server received:
//
//	flows n=10000 warm_replies=30000 sent=201234 received=201000 secs=3.00 pps=67078 busy_ns_per_pkt=29800 sirq_ns_per_pkt=12000
//
// step connects over TCP, prints "local=ADDR", then performs one 64-byte
// request/response per line read from standard input against an echo
// server (rtt serve) and prints "ok N" after each; it closes the connection
// at the end of its input.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"scon/test/tools/internal/tool"
)

func main() {
	tool.Main("flows", map[string]tool.Command{
		"serve": serve,
		"blast": blast,
		"step":  step,
	})
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("l", ":5300", "listen `addr`")
	life := fs.Duration("for", 10*time.Minute, "exit after `d`")
	fs.Parse(args)

	conn, err := net.ListenPacket("udp4", *listen)
	if err != nil {
		return err
	}
	defer conn.Close()
	if uc, ok := conn.(*net.UDPConn); ok {
		uc.SetReadBuffer(4 << 20)
	}
	conn.SetDeadline(time.Now().Add(*life))
	buf := make([]byte, 65536)
	count := 0
	for {
		n, from, err := conn.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case n > 0 && buf[0] == 'E':
			conn.WriteTo(buf[:n], from)
		case n > 0 && buf[0] == 'Q':
			conn.WriteTo([]byte(strconv.Itoa(count)), from)
			count = 0
		default:
			count++
		}
	}
}

type blastOpts struct {
	target string
	flows  int
	warm   int
	size   int
	settle time.Duration
	life   time.Duration
}

func blast(args []string) error {
	fs := flag.NewFlagSet("blast", flag.ExitOnError)
	var o blastOpts
	fs.StringVar(&o.target, "c", "", "server `addr`")
	fs.IntVar(&o.flows, "flows", 1, "concurrent flows (UDP sockets)")
	fs.IntVar(&o.warm, "warm", 3, "echo rounds over every flow before measuring")
	fs.IntVar(&o.size, "size", 64, "datagram size, bytes")
	fs.DurationVar(&o.settle, "settle", 500*time.Millisecond, "pause between warm-up and measuring")
	fs.DurationVar(&o.life, "for", 3*time.Second, "send for `d`")
	fs.Parse(args)
	if o.target == "" || o.flows < 1 || o.size < 1 {
		return errors.New("need -c, -flows >= 1 and -size >= 1")
	}

	conns, err := open(o.target, o.flows)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	replies, err := warmUp(conns, o.warm)
	if err != nil {
		return err
	}
	time.Sleep(o.settle)
	if _, err := query(conns[0]); err != nil { // zero the server's count
		return err
	}

	before, err := readCPU()
	if err != nil {
		return err
	}
	sent, secs, err := send(conns, o.size, o.life)
	if err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond) // let the receiver drain
	after, err := readCPU()
	if err != nil {
		return err
	}
	received, err := query(conns[0])
	if err != nil {
		return err
	}
	perPkt := func(ticks uint64) float64 { return float64(ticks) * 1e9 / ticksPerSec / float64(sent) }
	fmt.Printf("flows n=%d warm_replies=%d sent=%d received=%d secs=%.2f pps=%.0f busy_ns_per_pkt=%.0f sirq_ns_per_pkt=%.0f\n",
		o.flows, replies, sent, received, secs, float64(sent)/secs,
		perPkt(after.busy-before.busy), perPkt(after.sirq-before.sirq))
	return nil
}

func open(target string, n int) ([]*net.UDPConn, error) {
	to, err := net.ResolveUDPAddr("udp4", target)
	if err != nil {
		return nil, err
	}
	conns := make([]*net.UDPConn, 0, n)
	for i := 0; i < n; i++ {
		c, err := net.DialUDP("udp4", nil, to)
		if err != nil {
			return conns, fmt.Errorf("flow %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// warmUp makes rounds echo rounds: a request on every flow, then every
// reply collected (within 3 s per round for all flows together).
func warmUp(conns []*net.UDPConn, rounds int) (int, error) {
	req := []byte("E-warm")
	buf := make([]byte, 64)
	replies := 0
	for r := 0; r < rounds; r++ {
		for i, c := range conns {
			if _, err := c.Write(req); err != nil {
				return replies, fmt.Errorf("warm-up flow %d: %w", i, err)
			}
			if i%64 == 63 { // keep the server's socket buffer from overflowing
				time.Sleep(200 * time.Microsecond)
			}
		}
		deadline := time.Now().Add(3 * time.Second)
		for _, c := range conns {
			c.SetReadDeadline(deadline)
			if _, err := c.Read(buf); err == nil {
				replies++
			}
		}
	}
	return replies, nil
}

// send writes datagrams round-robin over conns for life.
func send(conns []*net.UDPConn, size int, life time.Duration) (int, float64, error) {
	payload := make([]byte, size)
	payload[0] = 'S'
	start := time.Now()
	end := start.Add(life)
	sent := 0
	for time.Now().Before(end) {
		for i := 0; i < 256; i++ {
			if _, err := conns[sent%len(conns)].Write(payload); err != nil {
				// A full queue on the way (ENOBUFS) drops, as on a wire.
				if !errors.Is(err, os.ErrDeadlineExceeded) && !strings.Contains(err.Error(), "no buffer space") {
					return sent, 0, err
				}
			}
			sent++
		}
	}
	return sent, time.Since(start).Seconds(), nil
}

func query(c *net.UDPConn) (int, error) {
	buf := make([]byte, 64)
	for try := 0; try < 5; try++ {
		if _, err := c.Write([]byte("Q")); err != nil {
			return 0, err
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		if err != nil {
			continue
		}
		// A late warm-up echo may come first: only a number answers.
		if v, err := strconv.Atoi(string(buf[:n])); err == nil {
			return v, nil
		}
		try--
	}
	return 0, errors.New("the server did not answer the count query")
}

// ticksPerSec is USER_HZ, the unit of /proc/stat on every Linux platform
// that matters here.
const ticksPerSec = 100

type cpuTicks struct{ busy, sirq uint64 }

// readCPU sums the "cpu" line of /proc/stat: busy is every state but idle
// and iowait.
func readCPU() (cpuTicks, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTicks{}, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return cpuTicks{}, err
	}
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return cpuTicks{}, errors.New("unexpected /proc/stat")
	}
	var t cpuTicks
	for i := 1; i < len(fields) && i <= 8; i++ { // user..steal
		v, err := strconv.ParseUint(fields[i], 10, 64)
		if err != nil {
			return cpuTicks{}, err
		}
		if i != 4 && i != 5 { // idle, iowait
			t.busy += v
		}
		if i == 7 {
			t.sirq = v
		}
	}
	return t, nil
}

func step(args []string) error {
	fs := flag.NewFlagSet("step", flag.ExitOnError)
	target := fs.String("c", "", "echo server `addr`")
	fs.Parse(args)

	conn, err := net.DialTimeout("tcp4", *target, 3*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Printf("local=%s\n", conn.LocalAddr())
	in := bufio.NewScanner(os.Stdin)
	req := make([]byte, 64)
	resp := make([]byte, 64)
	for n := 1; in.Scan(); n++ {
		copy(req, fmt.Sprintf("step %d", n))
		conn.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := conn.Write(req); err != nil {
			return err
		}
		if _, err := io.ReadFull(conn, resp); err != nil {
			return err
		}
		fmt.Printf("ok %d\n", n)
	}
	return in.Err()
}
