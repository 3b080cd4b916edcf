package main

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"strings"

	"github.com/mdlayher/netlink"
)

// More of kmod/uapi/scon.h, for the fuzzer.
const (
	cmdGetFlows = 6
	attrDevices = 14

	exclPort  = 3
	exclProto = 4

	nlmsgMinType = 0x10 // types below are netlink control messages
)

// fuzzMsg is one generated datagram and what the kernel owes it.
type fuzzMsg struct {
	bytes []byte
	seq   uint32
	kind  string // random, mutated, valid or broken
	// answered: the netlink header is sound, so the kernel must answer
	// (with NLM_F_ACK set, success is an answer too). A header that lies
	// about its length is dropped by the netlink core without a word.
	answered bool
	// change: a request the scon family must treat as a change, which
	// only CAP_NET_ADMIN may make.
	change bool
}

// generator makes random, mutated, valid and broken requests for one
// family from one seed, so that a run can be repeated exactly.
type generator struct {
	r       *rand.Rand
	family  uint16
	version uint8
}

// template is a valid request: its command, flags and attributes.
type template struct {
	cmd   uint8
	flags uint16
	attrs []byte
}

func newGenerator(seed int64, family uint16, version uint8) *generator {
	return &generator{r: rand.New(rand.NewSource(seed)), family: family, version: version}
}

func (g *generator) message(seq uint32) fuzzMsg {
	var m fuzzMsg
	switch p := g.r.Intn(100); {
	case p < 35:
		m = fuzzMsg{kind: "random", bytes: g.random(seq)}
	case p < 80:
		m = fuzzMsg{kind: "mutated", bytes: g.mutated(seq)}
	case p < 90:
		t := g.template()
		m = fuzzMsg{kind: "valid", bytes: nlmsg(g.family, t.flags, seq, t.cmd, g.version, t.attrs)}
	default:
		m = fuzzMsg{kind: "broken", bytes: g.broken(seq)}
	}
	m.seq = seq
	m.answered, m.change = g.classify(m.bytes)
	return m
}

// classify reads back what the netlink and genetlink cores will see.
func (g *generator) classify(b []byte) (answered, change bool) {
	if len(b) < nlmsgHdrLen {
		return false, false
	}
	length := int(binary.NativeEndian.Uint32(b))
	if length < nlmsgHdrLen || length > len(b) {
		return false, false
	}
	typ := binary.NativeEndian.Uint16(b[4:])
	flags := binary.NativeEndian.Uint16(b[6:])
	if typ != g.family || flags&flagRequest == 0 || length < nlmsgHdrLen+genlHdrLen {
		return true, false
	}
	switch b[nlmsgHdrLen] {
	case cmdSetConfig, cmdAttach, cmdDetach, cmdFlush:
		return true, true
	}
	return true, false
}

// random is a request with a random command, flags and attribute tree.
func (g *generator) random(seq uint32) []byte {
	version := g.version
	if g.r.Intn(10) == 0 {
		version = uint8(g.r.Intn(256))
	}
	return nlmsg(g.msgType(), g.flags(), seq, g.command(), version, g.attrs(0))
}

// command: mostly scon's commands and their neighbours, sometimes any.
func (g *generator) command() uint8 {
	if g.r.Intn(4) == 0 {
		return uint8(g.r.Intn(256))
	}
	return uint8(g.r.Intn(cmdGetFlows + 3))
}

func (g *generator) msgType() uint16 {
	if g.r.Intn(50) == 0 {
		return uint16(g.r.Intn(nlmsgMinType)) // control messages
	}
	return g.family
}

// flags: a request asking for an ack, sometimes a dump, sometimes odd.
func (g *generator) flags() uint16 {
	flags := uint16(flagRequest | flagAck)
	if g.r.Intn(4) == 0 {
		flags |= flagDump
	}
	if g.r.Intn(20) == 0 {
		flags |= uint16(g.r.Intn(0x1000)) &^ flagAck
	}
	if g.r.Intn(30) == 0 {
		flags &^= flagRequest
	}
	return flags
}

func (g *generator) attrs(depth int) []byte {
	var b []byte
	for n := g.r.Intn(6); n > 0; n-- {
		b = append(b, g.attr(depth)...)
	}
	return b
}

func (g *generator) attr(depth int) []byte {
	typ := g.attrType()
	if depth < 3 && g.r.Intn(4) == 0 {
		if g.r.Intn(5) > 0 {
			typ |= netlink.Nested
		}
		return attr(typ, g.attrs(depth+1))
	}
	return attr(typ, g.payload())
}

// attrType: mostly types the family or its nests know, then any.
func (g *generator) attrType() uint16 {
	switch p := g.r.Intn(20); {
	case p < 12:
		return uint16(g.r.Intn(attrDevices + 6))
	case p < 17:
		return uint16(g.r.Intn(0x4000))
	default:
		return uint16(g.r.Intn(0x10000))
	}
}

// interesting are values at and around the limits of the policies.
var interesting = []uint32{0, 1, 2, 3, 6, 9, 10, 17, 32, 33, 255, 256, 999, 1000,
	60000, 60001, 65535, 1048576, 1048577, 3600000, 3600001, 1 << 31, 0xffffffff}

func (g *generator) payload() []byte {
	switch g.r.Intn(9) {
	case 0:
		return nil
	case 1:
		return []byte{byte(g.interesting())}
	case 2:
		return binary.NativeEndian.AppendUint16(nil, uint16(g.interesting()))
	case 3, 4:
		return u32(g.interesting())
	case 5:
		return binary.NativeEndian.AppendUint64(nil, uint64(g.interesting())<<g.r.Intn(33))
	case 6, 7:
		return g.name()
	}
	return g.bytes(g.r.Intn(64))
}

func (g *generator) interesting() uint32 {
	if g.r.Intn(4) == 0 {
		return g.r.Uint32()
	}
	return interesting[g.r.Intn(len(interesting))]
}

// names are device names that exist in the suite's topology, that do
// not, and that no device can have.
var names = []string{"docker0", "up0", "lo", "vethc1", "vethc2", "scon-none0",
	"", ".", "..", "a/b", "a:b", "a b", strings.Repeat("x", 15),
	strings.Repeat("x", 16), strings.Repeat("x", 40)}

func (g *generator) name() []byte {
	b := []byte(names[g.r.Intn(len(names))])
	if g.r.Intn(5) > 0 {
		b = append(b, 0)
	}
	return b
}

func (g *generator) bytes(n int) []byte {
	b := make([]byte, n)
	g.r.Read(b)
	return b
}

// templates are valid requests for every command.
func templates() []template {
	up0 := attr(attrName, cstr("up0"))
	full := cat(attr(attrEnabled, []byte{1}), attr(attrMaxFlows, u32(16384)),
		attr(attrRevalidateMs, u32(1000)), attr(attrIdleMs, u32(30000)),
		attr(attrProtocols, u32(3)),
		nest(attrBridges, attr(attrName, cstr("docker0"))), nest(attrUplinks, up0),
		nest(attrExcludes, nest(attrExclude, attr(exclAddr, []byte{10, 9, 0, 0}),
			attr(exclPrefix, []byte{16}), attr(exclPort, []byte{0, 53}), attr(exclProto, []byte{17}))))
	req := uint16(flagRequest | flagAck)
	return []template{
		{cmdSetConfig, req, largestConfig()},
		{cmdGetStatus, req, nil},
		{cmdSetConfig, req, full},
		{cmdSetConfig, req, attr(attrEnabled, []byte{1})},
		{cmdAttach, req, up0},
		{cmdAttach, req, attr(attrName, cstr("docker0"))},
		{cmdAttach, req, attr(attrName, cstr("lo"))},
		{cmdDetach, req, attr(attrName, cstr("scon-none0"))},
		{cmdFlush, req, nil},
		{cmdGetFlows, req | flagDump, nil},
	}
}

// largestConfig: the longest lists SET_CONFIG takes, with the longest
// names; the status reply must still hold them.
func largestConfig() []byte {
	var bridges, uplinks, excludes []byte
	for i := 0; i < 32; i++ {
		bridges = append(bridges, attr(attrName, cstr(fmt.Sprintf("scon-fuzz-br-%02d", i)))...)
		uplinks = append(uplinks, attr(attrName, cstr(fmt.Sprintf("scon-fuzz-up-%02d", i)))...)
	}
	for i := 0; i < 64; i++ {
		excludes = append(excludes, nest(attrExclude, attr(exclAddr, []byte{10, byte(i), 0, 0}),
			attr(exclPrefix, []byte{16}), attr(exclPort, []byte{0, byte(i + 1)}), attr(exclProto, []byte{17}))...)
	}
	return cat(nest(attrBridges, bridges), nest(attrUplinks, uplinks), nest(attrExcludes, excludes))
}

func (g *generator) template() template {
	all := templates()
	return all[g.r.Intn(len(all))]
}

// mutated is a valid request with a few of its bytes after the netlink
// header changed, cut or added; the netlink header stays sound.
func (g *generator) mutated(seq uint32) []byte {
	t := g.template()
	b := nlmsg(g.family, t.flags, seq, t.cmd, g.version, t.attrs)
	body := b[nlmsgHdrLen:]
	for n := 1 + g.r.Intn(4); n > 0; n-- {
		body = g.mutate(body)
	}
	b = append(b[:nlmsgHdrLen], body...)
	binary.NativeEndian.PutUint32(b, uint32(len(b)))
	return b
}

func (g *generator) mutate(body []byte) []byte {
	if len(body) == 0 {
		return g.bytes(g.r.Intn(8))
	}
	i := g.r.Intn(len(body))
	switch g.r.Intn(7) {
	case 0:
		body[i] ^= 1 << g.r.Intn(8)
	case 1:
		body[i] = []byte{0, 0xff, 0x7f, 0x80, byte(g.r.Intn(256))}[g.r.Intn(5)]
	case 2:
		body = body[:i]
	case 3:
		body = append(body, g.attr(0)...)
	case 4:
		body = append(body[:i:i], append(g.bytes(1+g.r.Intn(8)), body[i:]...)...)
	case 5:
		g.lieAboutLength(body)
	case 6:
		body[0] = g.command()
	}
	return body
}

// lieAboutLength rewrites the nla_len of one top-level attribute.
func (g *generator) lieAboutLength(body []byte) {
	var offsets []int
	for off := genlHdrLen; off+4 <= len(body); {
		offsets = append(offsets, off)
		l := int(binary.NativeEndian.Uint16(body[off:]))
		if l < 4 {
			break
		}
		off += align4(l)
	}
	if len(offsets) == 0 {
		return
	}
	off := offsets[g.r.Intn(len(offsets))]
	binary.NativeEndian.PutUint16(body[off:], uint16(g.r.Intn(len(body)+16)))
}

// broken is a datagram whose netlink header is short or lies, or whose
// genetlink header is cut short, or with bytes after the message.
func (g *generator) broken(seq uint32) []byte {
	t := g.template()
	b := nlmsg(g.family, t.flags, seq, t.cmd, g.version, t.attrs)
	switch g.r.Intn(5) {
	case 0:
		return b[:1+g.r.Intn(nlmsgHdrLen-1)]
	case 1:
		binary.NativeEndian.PutUint32(b, uint32(g.r.Intn(nlmsgHdrLen)))
	case 2:
		binary.NativeEndian.PutUint32(b, uint32(len(b)+1+g.r.Intn(1000)))
	case 3:
		b = b[:nlmsgHdrLen+g.r.Intn(genlHdrLen)]
		binary.NativeEndian.PutUint32(b, uint32(len(b)))
	case 4:
		// Fewer than a header's worth: the core ignores the tail.
		b = append(b, g.bytes(1+g.r.Intn(nlmsgHdrLen-1))...)
	}
	return b
}
