// Command badpkt sends crafted IPv4 frames (malformed headers, options,
// fragments, bad checksums, odd lengths and TTLs, VLAN tags) out of a
// device with an AF_PACKET socket, and reports per probe what arrived on
// the receiving side and what came back to the sender.
//
//	badpkt echo -l :80 -for 5m      TCP and UDP echo server
//	badpkt run -i eth0 -dst-mac MAC -to 10.0.0.2:8080 \
//	    -rx-ns /run/netns/c1 -rx-if eth0 -rx-port 80 [-after] [-sync DIR]
//
// run, in the sender's namespace:
//  1. warm-up: a TCP connection and a UDP flow from local port -cport to
//     the target, echoed and checked, so that a flow cache holds them;
//  2. the probes (probes.go), one at a time, each followed by -wait (or
//     -frag-wait for a lone first fragment, whose reassembly times out);
//  3. with -after, the same connection and flow echo again, checked byte
//     for byte (the probes must not have broken them).
//
// A receiver socket opened in the namespace -rx-ns on -rx-if records every
// probe that arrives there, recognised by its IP ID (-id + its number)
// and, where its header is readable, its destination port (-rx-port);
// the sender's socket records ICMP errors that quote a probe, and TCP and
// UDP packets from the target to the probe's port while the probe is the
// current one. With -sync DIR, run writes DIR/warm and waits for
// DIR/probe before the probes, then writes DIR/probed and waits for
// DIR/after, so that a test can look at the flows in between.
//
// Output, one line per probe:
//
//	probe CTX:NAME outcome=delivered+reply arrived=[...] replies=[...]
//
// outcome is "delivered" or "dropped", then what came back: icmp-T/C,
// rst, ack (other TCP), reply (UDP). Then "expect fb_...=N": the frames
// per scon counter the probes must land in when the cached flows are on
// scon's express path. Exit status 1 when the warm-up or the after-check
// fails.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"scon/test/tools/internal/tool"
)

func main() {
	tool.Main("badpkt", map[string]tool.Command{
		"echo": echo,
		"run":  run,
	})
}

func echo(args []string) error {
	fs := flag.NewFlagSet("echo", flag.ExitOnError)
	listen := fs.String("l", ":80", "listen `addr` (TCP and UDP)")
	life := fs.Duration("for", 10*time.Minute, "exit after `d`")
	fs.Parse(args)

	ln, err := net.Listen("tcp4", *listen)
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp4", *listen)
	if err != nil {
		return err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	time.Sleep(*life)
	return nil
}

type runner struct {
	t        target
	tx, rx   *packetSock
	rxPort   int
	wait     time.Duration
	fragWait time.Duration

	mu       sync.Mutex
	tracking bool // the sender's TCP segments update tcp
	tcp      tcpState
	cur      int
	results  []*result
}

type result struct {
	c       *pctx
	p       *probe
	frames  int
	arrived []string
	replies []string
	kinds   map[string]bool
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	ifname := fs.String("i", "eth0", "send out of `dev`")
	dstMAC := fs.String("dst-mac", "", "next hop's `mac`")
	to := fs.String("to", "", "target `ip:port`")
	rxNS := fs.String("rx-ns", "", "receiver's network namespace `path`")
	rxIf := fs.String("rx-if", "eth0", "receiver's `dev`")
	rxPort := fs.Int("rx-port", 0, "the probes' destination `port` at the receiver (after NAT)")
	idBase := fs.Uint("id", 0xb000, "IP ID of the first probe")
	sportBase := fs.Uint("sport", 41000, "source port of the first new-flow probe")
	cport := fs.Uint("cport", 39000, "local `port` of the cached TCP connection and UDP flow")
	wait := fs.Duration("wait", 200*time.Millisecond, "wait after each probe")
	fragWait := fs.Duration("frag-wait", 1800*time.Millisecond, "wait after a lone first fragment")
	syncDir := fs.String("sync", "", "`dir` of the phase files")
	after := fs.Bool("after", false, "check the cached flows after the probes")
	fs.Parse(args)

	r := &runner{rxPort: *rxPort, wait: *wait, fragWait: *fragWait, cur: -1}
	if err := r.setup(*ifname, *dstMAC, *to, *rxNS, *rxIf); err != nil {
		return err
	}
	r.t.idBase, r.t.sportBase = uint16(*idBase), uint16(*sportBase)
	r.t.udpPort, r.t.tcpPort = uint16(*cport), uint16(*cport)
	r.t.tcpState = r.tcpState

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go r.tx.capture(stop, &wg, r.onSender)
	go r.rx.capture(stop, &wg, r.onReceiver)
	defer func() {
		close(stop)
		wg.Wait()
	}()

	flows, err := r.warm()
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	fmt.Printf("warm tcp=%d udp=%d\n", r.t.tcpPort, r.t.udpPort)
	if err := syncPoint(*syncDir, "warm", "probe"); err != nil {
		return err
	}
	r.probeAll()
	r.report()
	if err := syncPoint(*syncDir, "probed", "after"); err != nil {
		return err
	}
	if !*after {
		return nil
	}
	return flows.check()
}

func (r *runner) setup(ifname, dstMAC, to, rxNS, rxIf string) error {
	var err error
	if r.t.dstMAC, err = net.ParseMAC(dstMAC); err != nil {
		return fmt.Errorf("-dst-mac: %w", err)
	}
	ap, err := netip.ParseAddrPort(to)
	if err != nil {
		return fmt.Errorf("-to: %w", err)
	}
	r.t.dst, r.t.dport = ap.Addr(), ap.Port()
	if r.t.src, err = ifaceAddr(ifname); err != nil {
		return err
	}
	if r.tx, err = openPacket(ifname); err != nil {
		return err
	}
	r.t.srcMAC = r.tx.mac
	if r.rx, err = openPacketIn(rxNS, rxIf); err != nil {
		return fmt.Errorf("receiver %s %s: %w", rxNS, rxIf, err)
	}
	return nil
}

func ifaceAddr(ifname string) (netip.Addr, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return netip.Addr{}, err
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return netip.AddrFrom4([4]byte(n.IP.To4())), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("%s has no IPv4 address", ifname)
}

// syncPoint tells a test that run reached a phase and waits (2 minutes at
// most) until the test lets it go on.
func syncPoint(dir, reached, next string) error {
	if dir == "" {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, reached), nil, 0o644); err != nil {
		return err
	}
	end := time.Now().Add(2 * time.Minute)
	for time.Now().Before(end) {
		if _, err := os.Stat(filepath.Join(dir, next)); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nobody created %s within 2 minutes", filepath.Join(dir, next))
}

// onSender follows the cached TCP connection through the warm-up, and
// afterwards collects what comes back to the sender.
func (r *runner) onSender(pkttype uint8, b []byte) {
	p, ok := parseFrame(b)
	if !ok || !p.headerIntact {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pkttype == unix.PACKET_OUTGOING {
		r.follow(p)
		return
	}
	if pkttype != unix.PACKET_HOST || p.dst != r.t.src {
		return
	}
	if id, ok := quotedID(p); ok {
		if res := r.byID(id); res != nil {
			res.reply(p, fmt.Sprintf("icmp-%d/%d", p.l4[0], p.l4[1]))
		}
		return
	}
	if p.src != r.t.dst || p.sport != int(r.t.dport) {
		return
	}
	kind := "reply"
	if p.proto == protoTCP {
		kind = "ack"
		if p.tcpFlags&tcpRST != 0 {
			kind = "rst"
		}
	}
	if res := r.answered(p); res != nil {
		res.reply(p, kind)
	}
}

// answered finds the probe a TCP or UDP packet from the target answers:
// the one whose data a UDP echo carries, else the new-flow probe whose
// port it goes to, else (on a cached flow) the probe last sent.
func (r *runner) answered(p ipv4) *result {
	if p.proto == protoUDP && len(p.l4) > 8 {
		data := string(p.l4[8:])
		for _, res := range r.results {
			if strings.HasPrefix(data, fmt.Sprintf("badpkt %s:%s ", res.c.ctx, res.c.name)) {
				return res
			}
		}
	}
	for _, res := range r.results {
		if res.c.ctx == "new" && int(res.c.sport) == p.dport {
			return res
		}
	}
	if r.cur >= 0 && int(r.results[r.cur].c.sport) == p.dport {
		return r.results[r.cur]
	}
	return nil
}

func (r *runner) follow(p ipv4) {
	if !r.tracking || p.proto != protoTCP || p.tcpHdrLen < 20 ||
		p.src != r.t.src || p.sport != int(r.t.tcpPort) ||
		p.dst != r.t.dst || p.dport != int(r.t.dport) {
		return
	}
	n := uint32(p.totLen - p.ihl - p.tcpHdrLen)
	if p.tcpFlags&(tcpSYN|tcpFIN) != 0 {
		n++
	}
	r.tcp = tcpState{sndNxt: p.seq + n, rcvNxt: p.ack, window: p.window}
}

func (r *runner) tcpState() tcpState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tcp
}

// onReceiver records the probes that arrive at the receiver.
func (r *runner) onReceiver(pkttype uint8, b []byte) {
	if pkttype != unix.PACKET_HOST {
		return
	}
	p, ok := parseFrame(b)
	if !ok || p.proto == protoICMP {
		return
	}
	if p.dport >= 0 && p.dport != r.rxPort {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if res := r.byID(p.id); res != nil {
		res.arrived = append(res.arrived, describeArrival(p))
	}
}

func (r *runner) byID(id uint16) *result {
	i := int(id - r.t.idBase)
	if id < r.t.idBase || i >= len(r.results) {
		return nil
	}
	return r.results[i]
}

func (res *result) reply(p ipv4, kind string) {
	res.replies = append(res.replies, describeReply(p))
	res.kinds[kind] = true
}

func (r *runner) probeAll() {
	r.mu.Lock()
	r.tracking = false
	for _, c := range r.t.instances() {
		r.results = append(r.results, &result{c: c, p: probeByName(c.name), kinds: map[string]bool{}})
	}
	r.mu.Unlock()

	for i, res := range r.results {
		frames := res.p.build(res.c)
		r.mu.Lock()
		r.cur, res.frames = i, len(frames)
		r.mu.Unlock()
		for _, f := range frames {
			if err := r.tx.send(f.bytes()); err != nil {
				r.mu.Lock()
				res.replies = append(res.replies, "send: "+err.Error())
				r.mu.Unlock()
			}
		}
		if res.p.fragWait && len(frames) == 1 {
			time.Sleep(r.fragWait)
		} else {
			time.Sleep(r.wait)
		}
	}
	time.Sleep(r.wait)
	r.mu.Lock()
	r.cur = -1
	r.mu.Unlock()
}

func (r *runner) report() {
	r.mu.Lock()
	defer r.mu.Unlock()
	expect := map[string]int{malformed: 0, options: 0, fragment: 0, ttl: 0, tcpFlags: 0}
	for _, res := range r.results {
		fmt.Printf("probe %s:%s outcome=%s arrived=[%s] replies=[%s]\n", res.c.ctx, res.c.name,
			res.outcome(), strings.Join(res.arrived, "; "), strings.Join(res.replies, "; "))
		counter := res.p.fbCached
		if res.c.ctx == "new" {
			counter = res.p.fbNew
		}
		if counter != "" {
			expect[counter] += res.frames
		}
	}
	var names []string
	for k := range expect {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Print("expect")
	for _, k := range names {
		fmt.Printf(" %s=%d", k, expect[k])
	}
	fmt.Println()
}

func (res *result) outcome() string {
	parts := []string{"dropped"}
	if len(res.arrived) > 0 {
		parts[0] = "delivered"
	}
	var kinds []string
	for k := range res.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return strings.Join(append(parts, kinds...), "+")
}

// cachedFlows are the warm-up's TCP connection and UDP flow.
type cachedFlows struct {
	tcp  net.Conn
	udp  *net.UDPConn
	to   *net.UDPAddr
	rng  *rand.Rand
	seen int // bytes echoed over TCP so far
}

// warm opens the cached flows and checks a first echo on each; the
// sender's TCP segments are followed meanwhile, to craft in-window
// segments for the connection later.
func (r *runner) warm() (*cachedFlows, error) {
	r.mu.Lock()
	r.tracking = true
	r.mu.Unlock()

	local := &net.TCPAddr{Port: int(r.t.tcpPort)}
	d := net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
	target := net.JoinHostPort(r.t.dst.String(), fmt.Sprint(r.t.dport))
	tcp, err := d.Dial("tcp4", target)
	if err != nil {
		return nil, err
	}
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{Port: int(r.t.udpPort)})
	if err != nil {
		return nil, err
	}
	to, _ := net.ResolveUDPAddr("udp4", target)
	f := &cachedFlows{tcp: tcp, udp: udp, to: to, rng: rand.New(rand.NewPCG(7, 8))}
	for round := 0; round < 3; round++ {
		if err := f.echoTCP(32768); err != nil {
			return nil, err
		}
		if err := f.echoUDP(5, "warm"); err != nil {
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the last ACKs leave
	return f, nil
}

// check echoes again over both flows after the probes.
func (f *cachedFlows) check() error {
	if err := f.echoTCP(65536); err != nil {
		return fmt.Errorf("after the probes, TCP: %w", err)
	}
	if err := f.echoUDP(20, "after"); err != nil {
		return fmt.Errorf("after the probes, UDP: %w", err)
	}
	fmt.Printf("after tcp=ok bytes=%d udp=ok n=20\n", f.seen)
	return nil
}

func (f *cachedFlows) echoTCP(n int) error {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(f.rng.Uint32())
	}
	f.tcp.SetDeadline(time.Now().Add(20 * time.Second))
	errc := make(chan error, 1)
	go func() {
		_, err := f.tcp.Write(out)
		errc <- err
	}()
	in := make([]byte, n)
	if _, err := io.ReadFull(f.tcp, in); err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return err
	}
	if !bytes.Equal(in, out) {
		return fmt.Errorf("echo of %d bytes differs from what was sent", n)
	}
	f.seen += n
	return nil
}

// echoUDP sends n numbered requests, one at a time; datagrams that are
// not the awaited answer (the echo of a probe) are skipped.
func (f *cachedFlows) echoUDP(n int, tag string) error {
	buf := make([]byte, 2048)
	for i := 0; i < n; i++ {
		req := []byte(fmt.Sprintf("%s %d %x", tag, i, f.rng.Uint64()))
		if _, err := f.udp.WriteToUDP(req, f.to); err != nil {
			return err
		}
		f.udp.SetReadDeadline(time.Now().Add(3 * time.Second))
		for {
			m, _, err := f.udp.ReadFromUDP(buf)
			if err != nil {
				return fmt.Errorf("request %d: %w", i, err)
			}
			if bytes.Equal(buf[:m], req) {
				break
			}
		}
	}
	return nil
}
