package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// A probe is one crafted packet (or a few: fragments) sent on a flow of
// its context:
//
//	new   a flow of its own (source port of its own), UDP unless the
//	      probe is about TCP
//	cudp  the UDP flow the warm-up put in the cache
//	ctcp  the TCP connection the warm-up put in the cache
//
// fbNew and fbCached name the scon counter each of the probe's frames
// must go to (fb_*) when its flow is new and when it is cached; "" means
// none (delivered on the express path, or not scon's business).
type probe struct {
	name     string
	contexts []string
	fbNew    string
	fbCached string
	fragWait bool // wait for the reassembly timeout (ICMP 11/1)
	build    func(c *pctx) []frame
}

// pctx is what a probe is built from: its flow, its number.
type pctx struct {
	t     *target
	ctx   string
	name  string
	id    uint16
	sport uint16
}

const (
	malformed = "fb_malformed"
	options   = "fb_ip_options"
	fragment  = "fb_fragment"
	ttl       = "fb_ttl"
	tcpFlags  = "fb_tcp_flags"
)

var (
	allCtx  = []string{"new", "cudp", "ctcp"}
	newOnly = []string{"new"}
	udpCtx  = []string{"new", "cudp"}
	tcpCtx  = []string{"new", "ctcp"}
)

// probes is the whole set, in the order sent.
var probes = []probe{
	// IPv4 header.
	{"ip-trunc", newOnly, malformed, "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.cutTo = 14
		return c.frames(p)
	}},
	{"ip-ihl4", newOnly, malformed, "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.ihl = 4
		return c.frames(p)
	}},
	{"ip-ihl15", newOnly, malformed, "", false, func(c *pctx) []frame {
		p := c.base(0) // 28 bytes, the header says 60
		p.ihl = 15
		return c.frames(p)
	}},
	{"ip-ihl-over-len", newOnly, malformed, "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.options = []byte{1, 1, 1, 1}
		p.totLen = 20
		return c.frames(p)
	}},
	{"ip-version", newOnly, malformed, "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.version = 6
		return c.frames(p)
	}},
	{"ip-badcsum", allCtx, malformed, malformed, false, func(c *pctx) []frame {
		p := c.base(32)
		p.badCsum = true
		return c.frames(p)
	}},
	{"ip-len-long", allCtx, malformed, malformed, false, func(c *pctx) []frame {
		p := c.base(32)
		p.totLen = 20 + len(p.payload) + 20
		return c.frames(p)
	}},
	{"ip-len-short", allCtx, "", "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.trailer = []byte("trailing bytes after the packet")
		return c.frames(p)
	}},
	{"ip-opt-rr", allCtx, options, options, false, func(c *pctx) []frame {
		p := c.base(32)
		p.options = recordRoute()
		return c.frames(p)
	}},
	{"ip-opt-ra", newOnly, options, "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.options = []byte{0x94, 4, 0, 0}
		return c.frames(p)
	}},
	{"ip-opt-bad", allCtx, options, options, false, func(c *pctx) []frame {
		p := c.base(32)
		p.options = []byte{7, 39, 4, 0} // longer than the option space
		return c.frames(p)
	}},
	{"ip-evil", newOnly, "", "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.flags |= flagReserved
		return c.frames(p)
	}},
	{"ttl0", allCtx, "", ttl, false, func(c *pctx) []frame {
		p := c.base(32)
		p.ttl, p.ttlZero = 0, true
		return c.frames(p)
	}},
	{"ttl1", allCtx, "", ttl, false, func(c *pctx) []frame {
		p := c.base(32)
		p.ttl = 1
		return c.frames(p)
	}},
	{"ttl2", allCtx, "", "", false, func(c *pctx) []frame {
		p := c.base(32)
		p.ttl = 2
		return c.frames(p)
	}},

	// Fragments of a 40-byte (UDP) or 52-byte (TCP) segment.
	{"frag-first", allCtx, fragment, fragment, true, func(c *pctx) []frame {
		return c.fragments(0, 16)
	}},
	{"frag-pair", allCtx, fragment, fragment, false, func(c *pctx) []frame {
		return c.fragments(0, 16, 16, -1)
	}},
	{"frag-middle", newOnly, fragment, "", false, func(c *pctx) []frame {
		return c.fragments(8, 16)
	}},
	{"frag-last", newOnly, fragment, "", false, func(c *pctx) []frame {
		return c.fragments(16, -1)
	}},
	{"frag-overlap", allCtx, fragment, fragment, false, func(c *pctx) []frame {
		return c.fragments(0, 24, 16, -1)
	}},
	{"frag-dup", newOnly, fragment, "", false, func(c *pctx) []frame {
		return c.fragments(0, 16, 0, 16, 16, -1)
	}},

	// 802.1Q: VLAN 5 (no such VLAN device), and a priority tag (VLAN 0).
	{"vlan5", allCtx, "", "", false, func(c *pctx) []frame {
		f := c.frames(c.base(32))
		f[0].vlan = 5
		return f
	}},
	{"vlan0", allCtx, "", "", false, func(c *pctx) []frame {
		f := c.frames(c.base(32))
		f[0].vlan = 0
		return f
	}},

	// UDP header.
	{"udp", udpCtx, "", "", false, udpProbe(32, func(u *udpSeg) {})},
	{"udp-empty", udpCtx, "", "", false, udpProbe(0, func(u *udpSeg) {})},
	{"udp-mtu", udpCtx, "", "", false, udpProbe(1500-28, func(u *udpSeg) {})},
	{"udp-nocsum", udpCtx, "", "", false, udpProbe(32, func(u *udpSeg) { u.csum = csumNone })},
	{"udp-badcsum", udpCtx, "", malformed, false, udpProbe(32, func(u *udpSeg) { u.csum = csumBad })},
	{"udp-len-long", udpCtx, malformed, malformed, false, udpProbe(32, func(u *udpSeg) { u.ulen = 8 + 32 + 8 })},
	{"udp-len-tiny", udpCtx, malformed, malformed, false, udpProbe(32, func(u *udpSeg) { u.ulen = 4 })},
	{"udp-len-short", udpCtx, "", malformed, false, udpProbe(32, func(u *udpSeg) {
		u.ulen, u.csum = 16, csumOverUL
	})},
	{"udp-len-short-nocsum", udpCtx, "", "", false, udpProbe(32, func(u *udpSeg) {
		u.ulen, u.csum = 16, csumNone
	})},
	{"udp-trunc", udpCtx, malformed, malformed, false, func(c *pctx) []frame {
		p := c.base(32)
		p.payload = p.payload[:4]
		return c.frames(p)
	}},
	{"udp-hdr-past-len", udpCtx, malformed, malformed, false, func(c *pctx) []frame {
		p := c.base(32)
		p.totLen = 20 + 4 // the ports lie inside, the rest of the header after it
		return c.frames(p)
	}},

	// TCP header.
	{"tcp", tcpCtx, "", "", false, tcpProbe(0, func(t *tcpSeg) {})},
	{"tcp-data", tcpCtx, "", "", false, tcpProbe(100, func(t *tcpSeg) {})},
	{"tcp-mtu", tcpCtx, "", "", false, tcpProbe(1500-40, func(t *tcpSeg) {})},
	{"tcp-badcsum", tcpCtx, "", malformed, false, tcpProbe(32, func(t *tcpSeg) { t.csum = csumBad })},
	{"tcp-doff-long", tcpCtx, malformed, malformed, false, tcpProbe(0, func(t *tcpSeg) { t.doff = 15 })},
	{"tcp-doff-short", tcpCtx, malformed, malformed, false, tcpProbe(32, func(t *tcpSeg) { t.doff = 4 })},
	{"tcp-null", tcpCtx, "", tcpFlags, false, tcpProbe(0, func(t *tcpSeg) { t.flags = 0 })},
	{"tcp-psh", tcpCtx, "", tcpFlags, false, tcpProbe(32, func(t *tcpSeg) { t.flags = tcpPSH })},
	{"tcp-syn", tcpCtx, "", tcpFlags, false, tcpProbe(0, func(t *tcpSeg) { t.flags = tcpSYN })},
	{"tcp-trunc", tcpCtx, malformed, malformed, false, func(c *pctx) []frame {
		p := c.base(32)
		p.payload = p.payload[:12]
		return c.frames(p)
	}},
	{"tcp-hdr-past-len", tcpCtx, malformed, malformed, false, func(c *pctx) []frame {
		p := c.base(32)
		p.totLen = 20 + 12
		return c.frames(p)
	}},
}

// recordRoute is a record-route option with room for three addresses,
// padded with a NOP.
func recordRoute() []byte {
	o := make([]byte, 16)
	o[0], o[1], o[2] = 7, 15, 4
	o[15] = 1
	return o
}

func udpProbe(n int, change func(*udpSeg)) func(*pctx) []frame {
	return func(c *pctx) []frame {
		u := c.udp(n)
		change(&u)
		return c.frames(c.packet(protoUDP, u.bytes(c.t.src, c.t.dst)))
	}
}

func tcpProbe(n int, change func(*tcpSeg)) func(*pctx) []frame {
	return func(c *pctx) []frame {
		t := c.tcp(n)
		change(&t)
		return c.frames(c.packet(protoTCP, t.bytes(c.t.src, c.t.dst)))
	}
}

// isTCP says whether the probe's flow is TCP: the cached connection, or a
// new flow of a probe about TCP.
func (c *pctx) isTCP() bool {
	return c.ctx == "ctcp" || (c.ctx == "new" && strings.HasPrefix(c.name, "tcp"))
}

// base is a well-formed packet of the probe's flow with n bytes of data.
func (c *pctx) base(n int) ipPacket {
	if c.isTCP() {
		t := c.tcp(n)
		return c.packet(protoTCP, t.bytes(c.t.src, c.t.dst))
	}
	u := c.udp(n)
	return c.packet(protoUDP, u.bytes(c.t.src, c.t.dst))
}

func (c *pctx) packet(proto uint8, seg []byte) ipPacket {
	return ipPacket{id: c.id, proto: proto, src: c.t.src, dst: c.t.dst, payload: seg}
}

func (c *pctx) frames(ps ...ipPacket) []frame {
	var fs []frame
	for _, p := range ps {
		fs = append(fs, frame{dst: c.t.dstMAC, src: c.t.srcMAC, vlan: -1, ip: p})
	}
	return fs
}

// fragments cuts a 32-byte-data segment at the given [from, to) pairs;
// to = -1 means its end.
func (c *pctx) fragments(bounds ...int) []frame {
	p := c.base(32)
	seg := p.payload
	var ranges [][2]int
	for i := 0; i+1 < len(bounds); i += 2 {
		to := bounds[i+1]
		if to < 0 {
			to = len(seg)
		}
		ranges = append(ranges, [2]int{bounds[i], to})
	}
	return c.frames(fragments(p, seg, ranges...)...)
}

func (c *pctx) udp(n int) udpSeg {
	return udpSeg{sport: c.sport, dport: c.t.dport, payload: c.data(n)}
}

// tcp is an ACK with n bytes of data. On the cached connection its data
// ends where the sender's data ends, so that the receiver takes it for
// an old duplicate and conntrack for a retransmission, both in window;
// its acknowledgement is the sender's.
func (c *pctx) tcp(n int) tcpSeg {
	t := tcpSeg{sport: c.sport, dport: c.t.dport, flags: tcpACK, window: 502,
		seq: 0x10000000 + uint32(c.id)<<8, ack: 0x20000000, payload: c.data(n)}
	if c.ctx == "ctcp" {
		s := c.t.tcpState()
		t.seq, t.ack, t.window = s.sndNxt-uint32(n), s.rcvNxt, s.window
	}
	return t
}

// data is n bytes that name the probe, the same in every run.
func (c *pctx) data(n int) []byte {
	pattern := fmt.Sprintf("badpkt %s:%s ", c.ctx, c.name)
	b := make([]byte, n)
	for i := range b {
		b[i] = pattern[i%len(pattern)]
	}
	return b
}

// target is where the probes go and what the warm-up left to them.
type target struct {
	srcMAC, dstMAC []byte
	src, dst       netip.Addr
	dport          uint16
	sportBase      uint16
	idBase         uint16
	udpPort        uint16 // the cached UDP flow's source port
	tcpPort        uint16 // the cached TCP connection's source port
	tcpState       func() tcpState
}

// tcpState is the cached connection as its sender's last segment left it.
type tcpState struct {
	sndNxt, rcvNxt uint32
	window         uint16
}

// instances expands the probe set into one entry per probe and context,
// numbered from the target's ID base.
func (t *target) instances() []*pctx {
	var out []*pctx
	for i, p := range probes {
		for _, ctx := range p.contexts {
			c := &pctx{t: t, ctx: ctx, name: p.name, id: t.idBase + uint16(len(out))}
			switch ctx {
			case "new":
				c.sport = t.sportBase + uint16(i)
			case "cudp":
				c.sport = t.udpPort
			case "ctcp":
				c.sport = t.tcpPort
			}
			out = append(out, c)
		}
	}
	return out
}

func probeByName(name string) *probe {
	for i := range probes {
		if probes[i].name == name {
			return &probes[i]
		}
	}
	return nil
}
