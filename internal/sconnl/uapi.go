// Package sconnl talks to the scon kernel module over generic netlink.
//
// The wire format is defined only in kmod/uapi/scon.h; this file mirrors
// its numbers under Go names, and uapi_test.go parses the header and fails
// when the two drift apart. The package never prints: every failure comes
// back as an error, kernel refusals as *Error.
package sconnl

// Generic netlink family name and protocol version (SCON_GENL_*).
const (
	GenlName    = "scon"
	GenlVersion = 1
)

// Longest lists a configuration may hold (SCON_MAX_*): devices per list
// (bridges, uplinks) and exclusions.
const (
	MaxDevices  = 32
	MaxExcludes = 64
)

// Commands of the family (enum scon_cmd).
const (
	CmdUnspec uint8 = iota
	CmdGetStatus
	CmdSetConfig
	CmdAttach
	CmdDetach
	CmdFlush
	CmdGetFlows

	CmdMax = CmdGetFlows
)

// Top-level attributes (enum scon_attr). The comments give the wire type.
const (
	AttrUnspec        uint16 = iota
	AttrVersion              // string: module version
	AttrProtoVersion         // u32: GenlVersion of the module
	AttrEnabled              // u8: 0 or 1
	AttrFlowCount            // u32: connections cached now
	AttrMaxFlows             // u32: connection limit
	AttrRevalidateMS         // u32: milliseconds
	AttrIdleTimeoutMS        // u32: milliseconds
	AttrProtocols            // u32: bitmask of Proto*
	AttrBridges              // nest of AttrName
	AttrUplinks              // nest of AttrName
	AttrName                 // string: device name
	AttrExcludes             // nest of AttrExclude
	AttrExclude              // nest of ExclAttr*
	AttrDevices              // nest of AttrDevice
	AttrDevice               // nest of DevAttr*
	AttrCounters             // nest of u64, type = Counter + 1
	AttrFlow                 // nest of FlowAttr*

	AttrMax = AttrFlow
)

// Bits of AttrProtocols (SCON_PROTO_*).
const (
	ProtoTCP Protocols = 1 << 0
	ProtoUDP Protocols = 1 << 1
)

// Attributes of an AttrExclude nest (enum scon_excl_attr).
const (
	ExclAttrUnspec uint16 = iota
	ExclAttrAddr          // be32: IPv4 address, network byte order
	ExclAttrPrefix        // u8: prefix length 0-32
	ExclAttrPort          // u16: host order, 0 = any
	ExclAttrProto         // u8: IPPROTO_TCP or IPPROTO_UDP, 0 = any

	ExclAttrMax = ExclAttrProto
)

// Roles of an attached device (enum scon_dev_role).
const (
	RoleUplink     Role = iota // listed as an uplink
	RoleBridgePort             // port of a listed bridge
)

// Attributes of an AttrDevice nest (enum scon_dev_attr).
const (
	DevAttrUnspec  uint16 = iota
	DevAttrIfindex        // u32
	DevAttrName           // string
	DevAttrRole           // u8: Role
	DevAttrMaster         // string: the bridge, for a port

	DevAttrMax = DevAttrMaster
)

// Flags of a cached flow direction (SCON_FLOW_F_*).
const (
	FlowFlagRouted FlowFlags = 1 << 0 // TTL is decremented
	FlowFlagReady  FlowFlags = 1 << 1 // both directions learned
	FlowFlagStale  FlowFlags = 1 << 2 // waits for revalidation
)

// Attributes of an AttrFlow nest (enum scon_flow_attr).
const (
	FlowAttrUnspec     uint16 = iota
	FlowAttrProto             // u8: IPPROTO_TCP or IPPROTO_UDP
	FlowAttrSrc               // be32
	FlowAttrDst               // be32
	FlowAttrSport             // be16
	FlowAttrDport             // be16
	FlowAttrNATSrc            // be32
	FlowAttrNATDst            // be32
	FlowAttrNATSport          // be16
	FlowAttrNATDport          // be16
	FlowAttrInIfindex         // u32
	FlowAttrInDev             // string
	FlowAttrOutIfindex        // u32
	FlowAttrOutDev            // string
	FlowAttrMTU               // u32
	FlowAttrPackets           // u64: express packets
	FlowAttrBytes             // u64: express bytes (IP length)
	FlowAttrAgeMS             // u64: since first learned
	FlowAttrIdleMS            // u64: since last express packet
	FlowAttrFlags             // u32: FlowFlags
	FlowAttrDir               // u8: Direction
	FlowAttrDstMAC            // binary, 6 bytes
	FlowAttrPad               // alignment padding for u64, never read

	FlowAttrMax = FlowAttrPad
)

// Per-CPU counters summed in AttrCounters (enum scon_counter). Append
// only: the numbers are part of the wire format.
const (
	CounterExpressPackets Counter = iota
	CounterExpressBytes
	CounterFlowsLearned
	CounterFlowsRefusedFull
	CounterFlowsRenewed
	CounterFbTCPFlags
	CounterFbMTU
	CounterFbIPOptions
	CounterFbFragment
	CounterFbTTL
	CounterFbRevalidate
	CounterFbCtState
	CounterFbNotReady
	CounterFbMalformed
	CounterFbNoMemory
	CounterFbOutDown
	CounterSkipHelper
	CounterSkipXfrm
	CounterSkipExcluded
	CounterSkipNoNeigh
	CounterInvConntrack
	CounterInvLink
	CounterInvNeigh
	CounterInvRoute
	CounterInvIdle
	CounterInvFlush
	CounterFbL2Mismatch
	CounterInvFdb

	CounterMax = CounterInvFdb
)

// NumCounters is how many counters this build knows; a newer module may
// report more, which Status keeps under generated names.
const NumCounters = int(CounterMax) + 1
