package main

import (
	"encoding/binary"
	"net"
	"net/netip"
)

// IPv4 flags and the bits of a TCP header's flag byte.
const (
	flagReserved = 0x8000
	flagDF       = 0x4000
	flagMF       = 0x2000

	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20

	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
)

// ipPacket describes one IPv4 packet. Zero values mean "as a well-formed
// packet would have it": a probe changes only what it is about.
type ipPacket struct {
	version  int    // 0: 4
	ihl      int    // 0: 5 + options
	totLen   int    // 0: header + payload
	id       uint16 // the probe's number, found again at the receiver
	flags    uint16 // flagDF, flagMF, flagReserved
	fragOff  int    // bytes, a multiple of 8
	ttl      uint8  // 0 only with ttlZero
	ttlZero  bool
	proto    uint8
	src, dst netip.Addr
	options  []byte // padded to 4 bytes by the probe
	badCsum  bool
	payload  []byte // the L4 segment (or the fragment of it)
	trailer  []byte // bytes after the packet, inside the frame
	cutTo    int    // > 0: the frame ends this many bytes into the packet
}

// frame is the Ethernet frame carrying an ipPacket, 802.1Q-tagged when
// vlan >= 0.
type frame struct {
	dst, src net.HardwareAddr
	vlan     int
	ip       ipPacket
}

func (f frame) bytes() []byte {
	b := append([]byte{}, f.dst...)
	b = append(b, f.src...)
	if f.vlan >= 0 {
		b = binary.BigEndian.AppendUint16(b, 0x8100)
		b = binary.BigEndian.AppendUint16(b, uint16(f.vlan))
	}
	b = binary.BigEndian.AppendUint16(b, 0x0800)
	pkt := f.ip.bytes()
	if f.ip.cutTo > 0 && f.ip.cutTo < len(pkt) {
		pkt = pkt[:f.ip.cutTo]
	}
	return append(b, pkt...)
}

func (p ipPacket) bytes() []byte {
	hlen := 20 + len(p.options)
	h := make([]byte, hlen)
	version, ihl := p.version, p.ihl
	if version == 0 {
		version = 4
	}
	if ihl == 0 {
		ihl = hlen / 4
	}
	totLen := p.totLen
	if totLen == 0 {
		totLen = hlen + len(p.payload)
	}
	ttl := p.ttl
	if ttl == 0 && !p.ttlZero {
		ttl = 64
	}
	h[0] = byte(version<<4 | ihl&0xf)
	binary.BigEndian.PutUint16(h[2:], uint16(totLen))
	binary.BigEndian.PutUint16(h[4:], p.id)
	binary.BigEndian.PutUint16(h[6:], p.flags|uint16(p.fragOff/8))
	h[8] = ttl
	h[9] = p.proto
	copy(h[12:], p.src.AsSlice())
	copy(h[16:], p.dst.AsSlice())
	copy(h[20:], p.options)
	sum := checksum(h, 0)
	if p.badCsum {
		sum ^= 0x5a5a
	}
	binary.BigEndian.PutUint16(h[10:], sum)
	b := append(h, p.payload...)
	return append(b, p.trailer...)
}

// checksum is the Internet checksum of b, starting from the partial sum
// initial.
func checksum(b []byte, initial uint32) uint16 {
	sum := initial
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// pseudoSum is the partial sum of the pseudo-header a TCP or UDP checksum
// covers.
func pseudoSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	var sum uint32
	for _, a := range [][4]byte{src.As4(), dst.As4()} {
		sum += uint32(a[0])<<8 | uint32(a[1])
		sum += uint32(a[2])<<8 | uint32(a[3])
	}
	return sum + uint32(proto) + uint32(length)
}

// How a segment's checksum is filled in.
const (
	csumGood   = iota
	csumBad    // the right one, with bits flipped
	csumNone   // zero: UDP's "no checksum"
	csumOverUL // over the first ulen bytes only (as the UDP length says)
)

type udpSeg struct {
	sport, dport uint16
	ulen         int // 0: the segment's length
	csum         int
	payload      []byte
}

func (u udpSeg) bytes(src, dst netip.Addr) []byte {
	b := make([]byte, 8, 8+len(u.payload))
	b = append(b, u.payload...)
	ulen := u.ulen
	if ulen == 0 {
		ulen = len(b)
	}
	binary.BigEndian.PutUint16(b[0:], u.sport)
	binary.BigEndian.PutUint16(b[2:], u.dport)
	binary.BigEndian.PutUint16(b[4:], uint16(ulen))
	covered := b
	if u.csum == csumOverUL && ulen <= len(b) {
		covered = b[:ulen]
	}
	sum := checksum(covered, pseudoSum(src, dst, protoUDP, len(covered)))
	switch {
	case u.csum == csumNone:
		sum = 0
	case u.csum == csumBad:
		sum ^= 0x5a5a
	case sum == 0:
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(b[6:], sum)
	return b
}

type tcpSeg struct {
	sport, dport uint16
	seq, ack     uint32
	flags        byte
	window       uint16
	doff         int // 0: 5
	csum         int
	payload      []byte
}

func (t tcpSeg) bytes(src, dst netip.Addr) []byte {
	b := make([]byte, 20, 20+len(t.payload))
	b = append(b, t.payload...)
	doff := t.doff
	if doff == 0 {
		doff = 5
	}
	binary.BigEndian.PutUint16(b[0:], t.sport)
	binary.BigEndian.PutUint16(b[2:], t.dport)
	binary.BigEndian.PutUint32(b[4:], t.seq)
	binary.BigEndian.PutUint32(b[8:], t.ack)
	b[12] = byte(doff << 4)
	b[13] = t.flags
	binary.BigEndian.PutUint16(b[14:], t.window)
	sum := checksum(b, pseudoSum(src, dst, protoTCP, len(b)))
	if t.csum == csumBad {
		sum ^= 0x5a5a
	}
	binary.BigEndian.PutUint16(b[16:], sum)
	return b
}

// fragments cuts an L4 segment into IPv4 fragments: one per [from, to)
// byte range, every one but the one reaching the end flagged MF.
func fragments(p ipPacket, seg []byte, ranges ...[2]int) []ipPacket {
	var out []ipPacket
	for _, r := range ranges {
		f := p
		f.payload = seg[r[0]:r[1]]
		f.fragOff = r[0]
		if r[1] < len(seg) {
			f.flags |= flagMF
		}
		out = append(out, f)
	}
	return out
}
