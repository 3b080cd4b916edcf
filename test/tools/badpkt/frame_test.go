package main

import (
	"net/netip"
	"strings"
	"testing"
)

var (
	testSrc = netip.MustParseAddr("10.0.0.50")
	testDst = netip.MustParseAddr("10.0.0.2")
	testMAC = []byte{2, 0, 0, 0, 0, 1}
)

func testTarget() *target {
	return &target{srcMAC: testMAC, dstMAC: testMAC, src: testSrc, dst: testDst,
		dport: 8080, sportBase: 41000, idBase: 0xb000, udpPort: 39000, tcpPort: 39000,
		tcpState: func() tcpState { return tcpState{sndNxt: 100000, rcvNxt: 5000, window: 500} }}
}

// built parses back the first frame of a probe in a context.
func built(t *testing.T, name, ctx string) (ipv4, []frame) {
	t.Helper()
	for _, c := range testTarget().instances() {
		if c.name == name && c.ctx == ctx {
			fs := probeByName(name).build(c)
			p, ok := parseFrame(fs[0].bytes())
			if !ok {
				t.Fatalf("%s:%s: frame does not parse", ctx, name)
			}
			return p, fs
		}
	}
	t.Fatalf("no probe %s:%s", ctx, name)
	return ipv4{}, nil
}

func TestWellFormedProbesCheckOut(t *testing.T) {
	for _, tc := range []struct{ name, ctx, proto string }{
		{"udp", "new", "udp"}, {"udp-mtu", "cudp", "udp"}, {"tcp", "new", "tcp"},
		{"tcp-data", "ctcp", "tcp"}, {"ip-len-short", "ctcp", "tcp"}, {"ttl2", "new", "udp"},
	} {
		p, _ := built(t, tc.name, tc.ctx)
		d := describeArrival(p)
		if !strings.HasPrefix(d, tc.proto+" ") || strings.Contains(d, "bad") ||
			!strings.Contains(d, "l4sum=ok") {
			t.Errorf("%s:%s: %s", tc.ctx, tc.name, d)
		}
	}
}

func TestDefectsShow(t *testing.T) {
	for _, tc := range []struct{ name, ctx, want string }{
		{"ip-badcsum", "new", "ipsum=bad"},
		{"udp-badcsum", "cudp", "l4sum=bad"},
		{"tcp-badcsum", "ctcp", "l4sum=bad"},
		{"udp-nocsum", "new", "l4sum=none"},
		{"ip-len-long", "new", "captured=60"},
		{"ip-len-short", "new", "captured=91"},
		{"ip-opt-rr", "new", "ihl=36"},
		{"ttl0", "cudp", "ttl=0"},
		{"frag-first", "new", "frag=0+"},
		{"ip-ihl4", "new", "header=bad"},
	} {
		p, _ := built(t, tc.name, tc.ctx)
		if d := describeArrival(p); !strings.Contains(d, tc.want) {
			t.Errorf("%s:%s: %s, want %q in it", tc.ctx, tc.name, d, tc.want)
		}
	}
}

func TestCachedTCPProbeEndsAtSendersData(t *testing.T) {
	p, _ := built(t, "tcp-mtu", "ctcp")
	if p.totLen != 1500 || p.seq != 100000-1460 || p.ack != 5000 || p.window != 500 {
		t.Errorf("tot_len %d seq %d ack %d window %d", p.totLen, p.seq, p.ack, p.window)
	}
	if p.sport != 39000 || p.dport != 8080 {
		t.Errorf("ports %d>%d", p.sport, p.dport)
	}
}

func TestFragmentsCoverTheSegment(t *testing.T) {
	_, fs := built(t, "frag-pair", "new")
	if len(fs) != 2 {
		t.Fatalf("%d fragments", len(fs))
	}
	a, _ := parseFrame(fs[0].bytes())
	b, _ := parseFrame(fs[1].bytes())
	if a.flags&flagMF == 0 || a.fragOff != 0 || b.flags&flagMF != 0 || b.fragOff != 16 {
		t.Errorf("flags/offsets %x/%d %x/%d", a.flags, a.fragOff, b.flags, b.fragOff)
	}
	if a.id != b.id || len(a.l4)+len(b.l4) != 40 {
		t.Errorf("ids %x %x, %d+%d bytes", a.id, b.id, len(a.l4), len(b.l4))
	}
}

func TestVLANTag(t *testing.T) {
	_, fs := built(t, "vlan5", "new")
	b := fs[0].bytes()
	if b[12] != 0x81 || b[13] != 0 || b[15] != 5 || b[16] != 8 || b[17] != 0 {
		t.Errorf("tag % x", b[12:18])
	}
}

func TestInstancesHaveUniqueIDs(t *testing.T) {
	seen := map[uint16]bool{}
	for _, c := range testTarget().instances() {
		if seen[c.id] {
			t.Fatalf("ID %x twice", c.id)
		}
		seen[c.id] = true
	}
}

// TestAttribution feeds a runner the frames a receiver and a sender
// would capture, and checks where they are recorded.
func TestAttribution(t *testing.T) {
	r := &runner{t: *testTarget(), rxPort: 80, cur: -1}
	for _, c := range r.t.instances() {
		r.results = append(r.results, &result{c: c, p: probeByName(c.name), kinds: map[string]bool{}})
	}
	find := func(ctx, name string) (int, *result) {
		for i, res := range r.results {
			if res.c.ctx == ctx && res.c.name == name {
				return i, res
			}
		}
		t.Fatalf("no %s:%s", ctx, name)
		return 0, nil
	}

	// A probe arrives at the receiver, after DNAT to port 80.
	_, udp := find("new", "udp")
	fs := probeByName("udp").build(udp.c)
	p := fs[0].ip
	p.dst, p.payload = netip.MustParseAddr("172.17.0.2"), udpSeg{sport: udp.c.sport, dport: 80,
		payload: udp.c.data(32)}.bytes(p.src, netip.MustParseAddr("172.17.0.2"))
	f := fs[0]
	f.ip = p
	r.onReceiver(0, f.bytes())
	if len(udp.arrived) != 1 || !strings.Contains(udp.arrived[0], ">172.17.0.2:80 ") {
		t.Errorf("arrived %q", udp.arrived)
	}

	// Its echo comes back to the sender while another probe is current.
	r.cur = 0
	echo := frame{dst: testMAC, src: testMAC, vlan: -1, ip: ipPacket{id: 1, proto: protoUDP,
		src: testDst, dst: testSrc, payload: udpSeg{sport: 8080, dport: udp.c.sport,
			payload: udp.c.data(32)}.bytes(testDst, testSrc)}}
	r.onSender(0, echo.bytes())
	if udp.outcome() != "delivered+reply" {
		t.Errorf("outcome %s, replies %q", udp.outcome(), udp.replies)
	}

	// An ICMP error quoting a probe goes to that probe.
	_, ttl := find("cudp", "ttl1")
	quoted := probeByName("ttl1").build(ttl.c)[0].ip.bytes()
	icmp := append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, quoted[:28]...)
	r.onSender(0, frame{dst: testMAC, src: testMAC, vlan: -1, ip: ipPacket{id: 2, proto: protoICMP,
		src: testDst, dst: testSrc, payload: icmp}}.bytes())
	if ttl.outcome() != "dropped+icmp-11/0" {
		t.Errorf("outcome %s, replies %q", ttl.outcome(), ttl.replies)
	}

	// A TCP ACK on the cached connection goes to the current probe.
	i, data := find("ctcp", "tcp-data")
	r.cur = i
	ack := frame{dst: testMAC, src: testMAC, vlan: -1, ip: ipPacket{id: 3, proto: protoTCP,
		src: testDst, dst: testSrc, payload: tcpSeg{sport: 8080, dport: 39000, flags: tcpACK}.bytes(testDst, testSrc)}}
	r.onSender(0, ack.bytes())
	if !data.kinds["ack"] {
		t.Errorf("replies %q", data.replies)
	}
}

// TestDigestIgnoresSequenceNumbers: the cached connection's sequence
// numbers differ from run to run; what an arrival reports must not.
func TestDigestIgnoresSequenceNumbers(t *testing.T) {
	digest := func(snd uint32, name string, frag int) string {
		tg := testTarget()
		tg.tcpState = func() tcpState { return tcpState{sndNxt: snd, rcvNxt: snd / 2, window: 500} }
		for _, c := range tg.instances() {
			if c.ctx == "ctcp" && c.name == name {
				p, _ := parseFrame(probeByName(name).build(c)[frag].bytes())
				d := describeArrival(p)
				return d[strings.Index(d, "data="):]
			}
		}
		t.Fatalf("no ctcp:%s", name)
		return ""
	}
	for _, tc := range []struct {
		name string
		frag int
	}{{"tcp-data", 0}, {"frag-pair", 0}, {"frag-pair", 1}, {"tcp-trunc", 0}, {"tcp-doff-long", 0}} {
		if a, b := digest(100000, tc.name, tc.frag), digest(7777777, tc.name, tc.frag); a != b {
			t.Errorf("%s[%d]: %s, then %s", tc.name, tc.frag, a, b)
		}
	}
}
