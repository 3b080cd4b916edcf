package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// packetSock is an AF_PACKET socket bound to one device: it sends whole
// frames and sees every frame the device receives or sends.
type packetSock struct {
	fd  int
	mac net.HardwareAddr
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func openPacket(ifname string) (*packetSock, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket (run as root): %w", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind to %s: %w", ifname, err)
	}
	// Reads wake up regularly, so that a reader can notice it must stop.
	tv := unix.Timeval{Usec: 50000}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, err
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	return &packetSock{fd: fd, mac: ifi.HardwareAddr}, nil
}

// openPacketIn opens the socket in the network namespace at nsPath (a
// socket keeps the namespace it was made in), from a thread of its own.
func openPacketIn(nsPath, ifname string) (*packetSock, error) {
	if nsPath == "" {
		return openPacket(ifname)
	}
	runtime.LockOSThread()
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer home.Close()
	ns, err := os.Open(nsPath)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("setns %s: %w", nsPath, err)
	}
	s, openErr := openPacket(ifname)
	if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
		// This thread stays in the other namespace: keep it locked, so
		// that it dies with this goroutine's end instead of serving others.
		return nil, fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return s, openErr
}

func (s *packetSock) send(b []byte) error {
	_, err := unix.Write(s.fd, b)
	return err
}

// capture reads frames until stop is closed and hands each to fn with its
// packet type (unix.PACKET_HOST, unix.PACKET_OUTGOING, ...).
func (s *packetSock) capture(stop <-chan struct{}, wg *sync.WaitGroup, fn func(pkttype uint8, b []byte)) {
	defer wg.Done()
	buf := make([]byte, 70000)
	for {
		select {
		case <-stop:
			return
		default:
		}
		n, from, err := unix.Recvfrom(s.fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "badpkt: capture:", err)
			return
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok {
			continue
		}
		fn(ll.Pkttype, append([]byte{}, buf[:n]...))
	}
}

// ipv4 is a captured IPv4 packet, read as far as its bytes allow.
type ipv4 struct {
	ihl, totLen   int
	id, flags     uint16
	fragOff       int
	ttl, proto    uint8
	src, dst      netip.Addr
	pkt           []byte // the captured bytes from the IP header on
	l4            []byte // from the end of the IP header to tot_len, as captured
	sport, dport  int    // -1 when not readable
	tcpFlags      byte
	seq, ack      uint32
	window        uint16
	tcpHdrLen     int
	headerIntact  bool // version 4, IHL >= 5, whole header captured
	firstFragment bool
}

// parseFrame reads an Ethernet frame carrying IPv4 (tagged or not).
func parseFrame(b []byte) (ipv4, bool) {
	var p ipv4
	if len(b) < 14 {
		return p, false
	}
	etype, off := binary.BigEndian.Uint16(b[12:]), 14
	if etype == 0x8100 && len(b) >= 18 {
		etype, off = binary.BigEndian.Uint16(b[16:]), 18
	}
	if etype != 0x0800 || len(b) < off+20 {
		return p, false
	}
	pkt := b[off:]
	p.pkt = pkt
	p.ihl = int(pkt[0]&0xf) * 4
	p.totLen = int(binary.BigEndian.Uint16(pkt[2:]))
	p.id = binary.BigEndian.Uint16(pkt[4:])
	fo := binary.BigEndian.Uint16(pkt[6:])
	p.flags, p.fragOff = fo&0xe000, int(fo&0x1fff)*8
	p.ttl, p.proto = pkt[8], pkt[9]
	p.src = netip.AddrFrom4([4]byte(pkt[12:16]))
	p.dst = netip.AddrFrom4([4]byte(pkt[16:20]))
	p.sport, p.dport = -1, -1
	p.headerIntact = pkt[0]>>4 == 4 && p.ihl >= 20 && len(pkt) >= p.ihl
	p.firstFragment = p.fragOff == 0
	if !p.headerIntact {
		return p, true
	}
	end := min(p.totLen, len(pkt))
	if end > p.ihl {
		p.l4 = pkt[p.ihl:end]
	}
	if p.firstFragment && len(p.l4) >= 4 && (p.proto == protoTCP || p.proto == protoUDP) {
		p.sport = int(binary.BigEndian.Uint16(p.l4))
		p.dport = int(binary.BigEndian.Uint16(p.l4[2:]))
	}
	if p.firstFragment && p.proto == protoTCP && len(p.l4) >= 20 {
		p.seq = binary.BigEndian.Uint32(p.l4[4:])
		p.ack = binary.BigEndian.Uint32(p.l4[8:])
		p.tcpHdrLen = int(p.l4[12]>>4) * 4
		p.tcpFlags = p.l4[13]
		p.window = binary.BigEndian.Uint16(p.l4[14:])
	}
	return p, true
}

func hostPort(a netip.Addr, port int) string {
	if port < 0 {
		return a.String()
	}
	return fmt.Sprintf("%s:%d", a, port)
}

var protoNames = map[uint8]string{protoICMP: "icmp", protoTCP: "tcp", protoUDP: "udp"}

func protoName(p uint8) string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return fmt.Sprintf("proto%d", p)
}

// describeArrival says how a probe looked when it arrived: addresses and
// ports after NAT, lengths, TTL, fragment, options, whether its checksums
// hold, and a digest of its data.
func describeArrival(p ipv4) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s>%s len=%d ttl=%d", protoName(p.proto),
		hostPort(p.src, p.sport), hostPort(p.dst, p.dport), p.totLen, p.ttl)
	if len(p.pkt) != p.totLen {
		fmt.Fprintf(&b, " captured=%d", len(p.pkt))
	}
	if !p.headerIntact {
		return b.String() + " header=bad"
	}
	if p.ihl != 20 {
		fmt.Fprintf(&b, " ihl=%d", p.ihl)
	}
	if p.flags&flagDF != 0 {
		b.WriteString(" df")
	}
	if p.flags&flagReserved != 0 {
		b.WriteString(" evil")
	}
	if p.flags&flagMF != 0 || p.fragOff != 0 {
		more := ""
		if p.flags&flagMF != 0 {
			more = "+"
		}
		fmt.Fprintf(&b, " frag=%d%s", p.fragOff, more)
	}
	if checksum(p.pkt[:p.ihl], 0) != 0 {
		b.WriteString(" ipsum=bad")
	}
	if p.ihl > 20 {
		fmt.Fprintf(&b, " opt=%x", p.pkt[20:p.ihl])
	}
	if p.flags&flagMF == 0 && p.fragOff == 0 {
		b.WriteString(" l4sum=" + l4Sum(p))
	}
	fmt.Fprintf(&b, " data=%08x", crc32.ChecksumIEEE(data(p)))
	return b.String()
}

// data is what a packet (or fragment) carries after its TCP or UDP
// header: the header itself holds sequence numbers that differ from one
// run to the next.
func data(p ipv4) []byte {
	hdr := 0
	switch p.proto {
	case protoUDP:
		hdr = 8
	case protoTCP:
		hdr = max(20, p.tcpHdrLen)
	}
	skip := min(max(hdr-p.fragOff, 0), len(p.l4))
	return p.l4[skip:]
}

// l4Sum checks a whole (unfragmented) TCP or UDP segment's checksum as its
// receiver would: UDP over its length field's bytes.
func l4Sum(p ipv4) string {
	seg := p.l4
	switch p.proto {
	case protoUDP:
		if len(seg) < 8 {
			return "short"
		}
		if binary.BigEndian.Uint16(seg[6:]) == 0 {
			return "none"
		}
		if ulen := int(binary.BigEndian.Uint16(seg[4:])); ulen >= 8 && ulen <= len(seg) {
			seg = seg[:ulen]
		}
	case protoTCP:
		if len(seg) < 20 {
			return "short"
		}
	default:
		return "-"
	}
	if checksum(seg, pseudoSum(p.src, p.dst, p.proto, len(seg))) != 0 {
		return "bad"
	}
	return "ok"
}

// describeReply names what came back to the sender: an ICMP error (type,
// code, who sent it), a TCP segment (flags), a UDP datagram.
func describeReply(p ipv4) string {
	switch p.proto {
	case protoICMP:
		if len(p.l4) < 2 {
			return "icmp short from " + p.src.String()
		}
		return fmt.Sprintf("icmp %d/%d from %s", p.l4[0], p.l4[1], p.src)
	case protoTCP:
		return fmt.Sprintf("tcp %s>%s flags=%s", hostPort(p.src, p.sport),
			hostPort(p.dst, p.dport), tcpFlagNames(p.tcpFlags))
	}
	return fmt.Sprintf("%s %s>%s len=%d", protoName(p.proto),
		hostPort(p.src, p.sport), hostPort(p.dst, p.dport), p.totLen)
}

func tcpFlagNames(f byte) string {
	var s string
	for i, n := range "FSRPAU" {
		if f&(1<<i) != 0 {
			s += string(n)
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// quotedID is the IP ID of the packet an ICMP error quotes, if any.
func quotedID(p ipv4) (uint16, bool) {
	if p.proto != protoICMP || len(p.l4) < 8+6 {
		return 0, false
	}
	switch p.l4[0] {
	case 3, 4, 5, 11, 12:
		return binary.BigEndian.Uint16(p.l4[8+4:]), true
	}
	return 0, false
}
