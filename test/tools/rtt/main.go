// Command rtt measures request/response round trips over TCP or UDP, one
// request in flight at a time, so that every sample is one trip through
// both directions of a path (NAT, bridge, a cache in front of them).
//
//	rtt serve -l :80 [-for D]                 echo over TCP and UDP on one port
//	rtt tcp -c 10.0.0.2:8080 [-n N] [-for D]  N round trips on one connection
//	rtt udp -c 10.0.0.2:8080 [-n N] [-for D]  N round trips, one datagram each
//
// -bind fixes the client's local address, so that two runs of rtt udp are
// one flow to conntrack and to a cache.
//
// The client stops after -n round trips or after -for, whichever comes
// first; the first -warmup round trips are not measured, so that caches
// learn the flow before the clock runs. A UDP request with no reply within
// -timeout counts as lost and is not measured. Result line (microseconds):
//
//	rtt proto=tcp n=5000 lost=0 avg_us=180.2 p50_us=170 p99_us=410 max_us=900 secs=0.95
//
// It exits 1 when nothing was measured.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"scon/test/tools/internal/tool"
)

type options struct {
	target  string
	bind    string
	n       int
	warmup  int
	size    int
	life    time.Duration
	timeout time.Duration
}

// roundTrip performs one request/response with sequence number seq; lost
// reports a request that went unanswered (UDP only).
type roundTrip func(seq uint64) (lost bool, err error)

func main() {
	tool.Main("rtt", map[string]tool.Command{
		"serve": serve,
		"tcp":   func(args []string) error { return client("tcp", args) },
		"udp":   func(args []string) error { return client("udp", args) },
	})
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("l", ":80", "listen `addr` (TCP and UDP)")
	life := fs.Duration("for", 10*time.Minute, "exit after `d`")
	fs.Parse(args)

	ln, err := net.Listen("tcp4", *listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp4", *listen)
	if err != nil {
		return err
	}
	defer pc.Close()
	go echoUDP(pc)
	go acceptTCP(ln)
	time.Sleep(*life)
	return nil
}

func acceptTCP(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			io.Copy(conn, conn)
		}()
	}
}

func echoUDP(pc net.PacketConn) {
	buf := make([]byte, 65536)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(buf[:n], from)
	}
}

func client(proto string, args []string) error {
	fs := flag.NewFlagSet(proto, flag.ExitOnError)
	var o options
	fs.StringVar(&o.target, "c", "", "server `addr`")
	fs.StringVar(&o.bind, "bind", "", "local `addr` (default: any)")
	fs.IntVar(&o.n, "n", 5000, "measured round trips at most")
	fs.IntVar(&o.warmup, "warmup", 50, "round trips before measuring")
	fs.IntVar(&o.size, "size", 64, "request size, bytes (at least 8)")
	fs.DurationVar(&o.life, "for", 3*time.Second, "measure for `d` at most")
	fs.DurationVar(&o.timeout, "timeout", 500*time.Millisecond, "wait this long for each reply")
	fs.Parse(args)
	if o.size < 8 || o.n < 1 {
		return errors.New("need -size >= 8 and -n >= 1")
	}

	conn, err := dial(proto, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	rt := tcpTrip(conn, o)
	if proto == "udp" {
		rt = udpTrip(conn, o)
	}
	return measure(proto, rt, o)
}

func dial(proto string, o options) (net.Conn, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	if o.bind == "" {
		return d.Dial(proto+"4", o.target)
	}
	local, err := net.ResolveUDPAddr("udp4", o.bind)
	if err != nil {
		return nil, err
	}
	d.LocalAddr = local
	if proto == "tcp" {
		d.LocalAddr = &net.TCPAddr{IP: local.IP, Port: local.Port}
	}
	return d.Dial(proto+"4", o.target)
}

// measure runs the warmup, then round trips until -n or -for, and prints
// the result line.
func measure(proto string, rt roundTrip, o options) error {
	seq := uint64(0)
	for ; seq < uint64(o.warmup); seq++ {
		if _, err := rt(seq); err != nil {
			return fmt.Errorf("warmup: %w", err)
		}
	}
	samples := make([]time.Duration, 0, o.n)
	lost := 0
	start := time.Now()
	end := start.Add(o.life)
	for len(samples)+lost < o.n && time.Now().Before(end) {
		t0 := time.Now()
		missed, err := rt(seq)
		if err != nil {
			return err
		}
		seq++
		if missed {
			lost++
			continue
		}
		samples = append(samples, time.Since(t0))
	}
	secs := time.Since(start).Seconds()
	if len(samples) == 0 {
		return fmt.Errorf("no reply in %.1f s (%d lost)", secs, lost)
	}
	l := tool.Summarize(samples)
	fmt.Printf("rtt proto=%s n=%d lost=%d avg_us=%.1f p50_us=%d p99_us=%d max_us=%d secs=%.2f\n",
		proto, len(samples), lost, l.Avg, l.P50, l.P99, l.Max, secs)
	return nil
}

func tcpTrip(conn net.Conn, o options) roundTrip {
	req := make([]byte, o.size)
	resp := make([]byte, o.size)
	return func(seq uint64) (bool, error) {
		binary.BigEndian.PutUint64(req, seq)
		conn.SetDeadline(time.Now().Add(o.timeout + time.Second))
		if _, err := conn.Write(req); err != nil {
			return false, err
		}
		if _, err := io.ReadFull(conn, resp); err != nil {
			return false, err
		}
		if binary.BigEndian.Uint64(resp) != seq {
			return false, fmt.Errorf("reply %d to request %d", binary.BigEndian.Uint64(resp), seq)
		}
		return false, nil
	}
}

// udpTrip sends one datagram and waits for its echo; late echoes of
// earlier requests are skipped.
func udpTrip(conn net.Conn, o options) roundTrip {
	req := make([]byte, o.size)
	buf := make([]byte, 65536)
	return func(seq uint64) (bool, error) {
		binary.BigEndian.PutUint64(req, seq)
		if _, err := conn.Write(req); err != nil {
			return false, err
		}
		conn.SetReadDeadline(time.Now().Add(o.timeout))
		for {
			n, err := conn.Read(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			if n == len(req) && binary.BigEndian.Uint64(buf) == seq {
				return false, nil
			}
		}
	}
}
