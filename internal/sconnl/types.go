package sconnl

import (
	"net"
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Status is the module's state as reported by CmdGetStatus.
type Status struct {
	Version            string // module version
	ProtoVersion       uint32 // netlink protocol the module speaks
	Enabled            bool
	FlowCount          uint32 // connections cached now
	MaxFlows           uint32 // connection limit
	RevalidateInterval time.Duration
	IdleTimeout        time.Duration
	Protocols          Protocols
	Bridges            []string // configured bridge names
	Uplinks            []string // configured uplink names
	Excludes           []Exclude
	Devices            []Device // devices the express path runs on now

	// Counters is indexed by Counter. It holds at least NumCounters
	// entries, more if the module knows counters this build does not.
	Counters []uint64
}

// Device is a device whose ingress the express path runs on.
type Device struct {
	Ifindex uint32
	Name    string
	Role    Role
	Master  string // the bridge of a RoleBridgePort device, else empty
}

// Role says why a device is attached.
type Role uint8

// String returns "uplink" or "bridge-port".
func (r Role) String() string {
	switch r {
	case RoleUplink:
		return "uplink"
	case RoleBridgePort:
		return "bridge-port"
	}
	return "role-" + strconv.Itoa(int(r))
}

// Exclude describes connections that are never offloaded.
type Exclude struct {
	Prefix netip.Prefix // an IPv4 network
	Port   uint16       // 0 matches any port
	Proto  IPProto      // 0 matches any protocol
}

// Protocols is a set of Proto* bits: the transports the module offloads.
type Protocols uint32

// Names returns the set's members as "tcp" and "udp", in that order.
func (p Protocols) Names() []string {
	names := []string{}
	if p&ProtoTCP != 0 {
		names = append(names, "tcp")
	}
	if p&ProtoUDP != 0 {
		names = append(names, "udp")
	}
	return names
}

// IPProto is an IP protocol number such as unix.IPPROTO_TCP.
type IPProto uint8

// The IP protocols the module handles.
const (
	IPProtoTCP IPProto = unix.IPPROTO_TCP
	IPProtoUDP IPProto = unix.IPPROTO_UDP
)

// String returns "tcp", "udp", "any" for zero, or the number.
func (p IPProto) String() string {
	switch p {
	case 0:
		return "any"
	case IPProtoTCP:
		return "tcp"
	case IPProtoUDP:
		return "udp"
	}
	return strconv.Itoa(int(p))
}

// FlowFlags is a set of FlowFlag* bits.
type FlowFlags uint32

// Direction is a flow direction in conntrack's terms.
type Direction uint8

// The two directions of a connection.
const (
	DirOriginal Direction = 0
	DirReply    Direction = 1
)

// String returns "original" or "reply".
func (d Direction) String() string {
	switch d {
	case DirOriginal:
		return "original"
	case DirReply:
		return "reply"
	}
	return "dir-" + strconv.Itoa(int(d))
}

// Flow is one cached direction of a connection.
type Flow struct {
	Proto   IPProto
	Dir     Direction
	Src     netip.Addr
	Dst     netip.Addr
	SrcPort uint16
	DstPort uint16

	// The tuple the packet leaves with; equal to the one above when the
	// connection is not NATed.
	NATSrc     netip.Addr
	NATDst     netip.Addr
	NATSrcPort uint16
	NATDstPort uint16

	InIfindex  uint32
	InDev      string
	OutIfindex uint32
	OutDev     string
	MTU        uint32
	DstMAC     net.HardwareAddr // next hop

	Packets uint64 // sent on the express path
	Bytes   uint64 // IP length of those packets
	Age     time.Duration
	Idle    time.Duration // since the last express packet
	Flags   FlowFlags
}

// Routed reports whether the flow is routed (TTL decremented), not bridged.
func (f Flow) Routed() bool { return f.Flags&FlowFlagRouted != 0 }

// Ready reports whether both directions of the connection are learned.
func (f Flow) Ready() bool { return f.Flags&FlowFlagReady != 0 }

// Stale reports whether the flow waits for revalidation.
func (f Flow) Stale() bool { return f.Flags&FlowFlagStale != 0 }

// Config is a change to the module's configuration. A nil field is left
// as it is in the kernel; a non-nil list replaces the whole list, so a
// pointer to an empty slice clears it.
type Config struct {
	Enabled            *bool
	MaxFlows           *uint32
	RevalidateInterval *time.Duration // whole milliseconds
	IdleTimeout        *time.Duration // whole milliseconds
	Protocols          *Protocols
	Bridges            *[]string
	Uplinks            *[]string
	Excludes           *[]Exclude
}
