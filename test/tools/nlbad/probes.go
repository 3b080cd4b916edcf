package main

import (
	"encoding/binary"
	"fmt"
	"strings"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// A probe is one request and the refusal it must get.
type probe struct {
	name  string
	cmd   uint8
	attrs []byte
	want  syscall.Errno
	// The genetlink core itself refuses unknown commands and missing
	// privileges before the family sees the request, and attaches no
	// message (6.1); only there is a message optional.
	coreRefusal bool
	// pointsAt: the extended ack must locate the offending attribute
	// (its offset, or the type of the missing one), as policy validation
	// and GENL_REQ_ATTR_CHECK do.
	pointsAt bool
	// missing: the attribute the request lacks on purpose, and its name.
	// Kernels before 6.0 cannot report a missing attribute by type; there
	// the message must name it instead.
	missing     uint32
	missingName string
}

func adminProbes() []probe {
	return []probe{
		{name: "unknown command", cmd: 99, want: syscall.EOPNOTSUPP, coreRefusal: true},
		{name: "unknown attribute type", cmd: cmdSetConfig,
			attrs: attr(200, u32(1)), want: syscall.EINVAL, pointsAt: true},
		{name: "u32 attribute sent as u8", cmd: cmdSetConfig,
			attrs: attr(attrMaxFlows, []byte{1}), want: syscall.EINVAL, pointsAt: true},
		{name: "max_flows 0 (range 1..1048576)", cmd: cmdSetConfig,
			attrs: attr(attrMaxFlows, u32(0)), want: syscall.ERANGE, pointsAt: true},
		{name: "max_flows 1048577", cmd: cmdSetConfig,
			attrs: attr(attrMaxFlows, u32(1048577)), want: syscall.ERANGE, pointsAt: true},
		{name: "revalidate_ms 5 (range 10..60000)", cmd: cmdSetConfig,
			attrs: attr(attrRevalidateMs, u32(5)), want: syscall.ERANGE, pointsAt: true},
		{name: "idle_timeout_ms 999 (range 1000..3600000)", cmd: cmdSetConfig,
			attrs: attr(attrIdleMs, u32(999)), want: syscall.ERANGE, pointsAt: true},
		{name: "enabled 2", cmd: cmdSetConfig,
			attrs: attr(attrEnabled, []byte{2}), want: syscall.ERANGE, pointsAt: true},
		{name: "exclude prefix 33 (nested range)", cmd: cmdSetConfig,
			attrs: nest(attrExcludes, nest(attrExclude,
				attr(exclAddr, []byte{10, 0, 0, 0}), attr(exclPrefix, []byte{33}))),
			want: syscall.ERANGE, pointsAt: true},
		{name: "truncated attribute inside a nest", cmd: cmdSetConfig,
			attrs: nest(attrExcludes, truncated(attrExclude)),
			want:  syscall.EINVAL},
		{name: "nest without NLA_F_NESTED", cmd: cmdSetConfig,
			attrs: attr(attrBridges, attr(attrName, cstr("docker0"))),
			want:  syscall.EINVAL, pointsAt: true},
		{name: "valid change bundled with an invalid one", cmd: cmdSetConfig,
			attrs: cat(attr(attrEnabled, []byte{0}), attr(attrRevalidateMs, u32(0))),
			want:  syscall.ERANGE, pointsAt: true},
		{name: "one device as bridge and uplink", cmd: cmdSetConfig,
			attrs: cat(nest(attrBridges, attr(attrName, cstr("docker0"))),
				nest(attrUplinks, attr(attrName, cstr("docker0")))),
			want: syscall.EINVAL, pointsAt: true},
		{name: "attach without SCON_A_NAME", cmd: cmdAttach, want: syscall.EINVAL,
			pointsAt: true, missing: attrName, missingName: "SCON_A_NAME"},
		{name: "attach of a missing device", cmd: cmdAttach,
			attrs: attr(attrName, cstr("scon-none0")), want: syscall.ENODEV},
		{name: "detach of a name never attached", cmd: cmdDetach,
			attrs: attr(attrName, cstr("scon-none0")), want: syscall.ENOENT},
	}
}

func unprivilegedProbes() []probe {
	return []probe{
		{name: "set_config as nobody", cmd: cmdSetConfig,
			attrs: attr(attrEnabled, []byte{0}), want: syscall.EPERM, coreRefusal: true},
		{name: "attach as nobody", cmd: cmdAttach,
			attrs: attr(attrName, cstr("lo")), want: syscall.EPERM, coreRefusal: true},
		{name: "detach as nobody", cmd: cmdDetach,
			attrs: attr(attrName, cstr("docker0")), want: syscall.EPERM, coreRefusal: true},
		{name: "flush as nobody", cmd: cmdFlush, want: syscall.EPERM, coreRefusal: true},
	}
}

// namedInWords: the message names the attribute the probe left out.
func (p probe) namedInWords(a ack) bool {
	return p.missingName != "" && strings.Contains(a.msg, p.missingName)
}

// check sends the probe and returns why its answer is wrong, or "".
func (p probe) check(c *genetlink.Conn, fam genetlink.Family) string {
	a, err := request(c, fam, p.cmd, p.attrs)
	if err != nil {
		return fmt.Sprintf("no answer: %v", err)
	}
	fmt.Printf("     %s: %s\n", p.name, a)
	switch {
	case a.errno == 0:
		return fmt.Sprintf("accepted, want %s", errnoName(p.want))
	case a.errno != p.want:
		return fmt.Sprintf("errno %s, want %s (extack %q)", errnoName(a.errno), errnoName(p.want), a.msg)
	case !a.explained() && !p.coreRefusal:
		return fmt.Sprintf("errno %s without an extended-ack message", errnoName(a.errno))
	case p.pointsAt && !a.pointed() && !p.namedInWords(a):
		return fmt.Sprintf("extack %q does not point at the attribute", a.msg)
	case p.missing != 0 && a.missType != 0 && a.missType != p.missing:
		return fmt.Sprintf("extack names attribute %d as missing, want %d", a.missType, p.missing)
	}
	return ""
}

func errnoName(e syscall.Errno) string {
	names := map[syscall.Errno]string{
		syscall.EINVAL: "EINVAL", syscall.ERANGE: "ERANGE",
		syscall.EPERM: "EPERM", syscall.ENODEV: "ENODEV",
		syscall.ENOENT: "ENOENT", syscall.EOPNOTSUPP: "EOPNOTSUPP",
		syscall.E2BIG: "E2BIG", syscall.EMSGSIZE: "EMSGSIZE", 0: "0",
	}
	if n, ok := names[e]; ok {
		return n
	}
	return fmt.Sprintf("%d (%v)", int(e), e)
}

// attr encodes one attribute in host byte order, padded to 4 bytes.
func attr(typ uint16, payload []byte) []byte {
	b := make([]byte, 4, 4+len(payload)+3)
	binary.NativeEndian.PutUint16(b, uint16(4+len(payload)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func nest(typ uint16, children ...[]byte) []byte {
	return attr(typ|netlink.Nested, cat(children...))
}

// truncated is an attribute header that claims more bytes than follow.
func truncated(typ uint16) []byte {
	b := attr(typ|netlink.Nested, u32(0))
	binary.NativeEndian.PutUint16(b, 64)
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

func cstr(s string) []byte { return append([]byte(s), 0) }
