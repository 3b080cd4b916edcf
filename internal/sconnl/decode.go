package sconnl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/mdlayher/netlink"
)

// Attributes this build does not know are skipped everywhere below, so
// that a newer module can add some without breaking an older sconctl.

// decodeStatus decodes the attributes of a CmdGetStatus reply.
func decodeStatus(b []byte) (Status, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return Status{}, err
	}
	st := Status{Counters: make([]uint64, NumCounters)}
	for ad.Next() {
		switch ad.Type() {
		case AttrVersion:
			st.Version = ad.String()
		case AttrProtoVersion:
			st.ProtoVersion = ad.Uint32()
		case AttrEnabled:
			st.Enabled = ad.Uint8() != 0
		case AttrFlowCount:
			st.FlowCount = ad.Uint32()
		case AttrMaxFlows:
			st.MaxFlows = ad.Uint32()
		case AttrRevalidateMS:
			st.RevalidateInterval = msDuration(uint64(ad.Uint32()))
		case AttrIdleTimeoutMS:
			st.IdleTimeout = msDuration(uint64(ad.Uint32()))
		case AttrProtocols:
			st.Protocols = Protocols(ad.Uint32())
		case AttrBridges:
			ad.Nested(namesDecoder(&st.Bridges))
		case AttrUplinks:
			ad.Nested(namesDecoder(&st.Uplinks))
		case AttrExcludes:
			ad.Nested(excludesDecoder(&st.Excludes))
		case AttrDevices:
			ad.Nested(devicesDecoder(&st.Devices))
		case AttrCounters:
			ad.Nested(countersDecoder(&st.Counters))
		}
	}
	if err := ad.Err(); err != nil {
		return Status{}, err
	}
	return st, nil
}

func msDuration(ms uint64) time.Duration {
	return time.Duration(ms) * time.Millisecond
}

// namesDecoder returns a decoder of a nest of AttrName strings.
func namesDecoder(names *[]string) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			if nad.Type() == AttrName {
				*names = append(*names, nad.String())
			}
		}
		return nil
	}
}

// excludesDecoder returns a decoder of an AttrExcludes nest.
func excludesDecoder(excludes *[]Exclude) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			if nad.Type() != AttrExclude {
				continue
			}
			var ex Exclude
			nad.Nested(excludeDecoder(&ex))
			*excludes = append(*excludes, ex)
		}
		return nil
	}
}

// excludeDecoder returns a decoder of one AttrExclude nest.
func excludeDecoder(ex *Exclude) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		var addr netip.Addr
		var bits uint8
		for nad.Next() {
			switch nad.Type() {
			case ExclAttrAddr:
				nad.Do(addrDecoder(&addr))
			case ExclAttrPrefix:
				bits = nad.Uint8()
			case ExclAttrPort:
				ex.Port = nad.Uint16()
			case ExclAttrProto:
				ex.Proto = IPProto(nad.Uint8())
			}
		}
		if err := nad.Err(); err != nil {
			return err
		}
		if !addr.IsValid() {
			return errors.New("exclusion without an address")
		}
		prefix, err := addr.Prefix(int(bits))
		if err != nil {
			return fmt.Errorf("exclusion: %w", err)
		}
		ex.Prefix = prefix
		return nil
	}
}

// devicesDecoder returns a decoder of an AttrDevices nest.
func devicesDecoder(devices *[]Device) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			if nad.Type() != AttrDevice {
				continue
			}
			var dev Device
			nad.Nested(deviceDecoder(&dev))
			*devices = append(*devices, dev)
		}
		return nil
	}
}

// deviceDecoder returns a decoder of one AttrDevice nest.
func deviceDecoder(dev *Device) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			switch nad.Type() {
			case DevAttrIfindex:
				dev.Ifindex = nad.Uint32()
			case DevAttrName:
				dev.Name = nad.String()
			case DevAttrRole:
				dev.Role = Role(nad.Uint8())
			case DevAttrMaster:
				dev.Master = nad.String()
			}
		}
		return nil
	}
}

// countersDecoder returns a decoder of an AttrCounters nest, where the
// attribute type is the counter number plus one. Counters beyond the
// ones this build knows grow the slice rather than being dropped.
func countersDecoder(counters *[]uint64) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			if nad.Type() == 0 {
				continue
			}
			idx := int(nad.Type()) - 1
			for len(*counters) <= idx {
				*counters = append(*counters, 0)
			}
			(*counters)[idx] = nad.Uint64()
		}
		return nil
	}
}

// decodeFlow decodes the attributes of one CmdGetFlows dump message.
func decodeFlow(b []byte) (Flow, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return Flow{}, err
	}
	var flow Flow
	var found bool
	for ad.Next() {
		if ad.Type() == AttrFlow {
			found = true
			ad.Nested(flowDecoder(&flow))
		}
	}
	if err := ad.Err(); err != nil {
		return Flow{}, err
	}
	if !found {
		return Flow{}, errors.New("message without a flow attribute")
	}
	return flow, nil
}

// flowDecoder returns a decoder of an AttrFlow nest.
func flowDecoder(f *Flow) func(*netlink.AttributeDecoder) error {
	return func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			if !decodeFlowTuple(nad, f) {
				decodeFlowPath(nad, f)
			}
		}
		return nil
	}
}

// decodeFlowTuple decodes the current attribute if it belongs to the
// flow's addresses and ports, and reports whether it did.
func decodeFlowTuple(nad *netlink.AttributeDecoder, f *Flow) bool {
	switch nad.Type() {
	case FlowAttrProto:
		f.Proto = IPProto(nad.Uint8())
	case FlowAttrSrc:
		nad.Do(addrDecoder(&f.Src))
	case FlowAttrDst:
		nad.Do(addrDecoder(&f.Dst))
	case FlowAttrSport:
		nad.Do(portDecoder(&f.SrcPort))
	case FlowAttrDport:
		nad.Do(portDecoder(&f.DstPort))
	case FlowAttrNATSrc:
		nad.Do(addrDecoder(&f.NATSrc))
	case FlowAttrNATDst:
		nad.Do(addrDecoder(&f.NATDst))
	case FlowAttrNATSport:
		nad.Do(portDecoder(&f.NATSrcPort))
	case FlowAttrNATDport:
		nad.Do(portDecoder(&f.NATDstPort))
	default:
		return false
	}
	return true
}

// decodeFlowPath decodes the current attribute if it belongs to the
// flow's devices, counters and state; others are skipped.
func decodeFlowPath(nad *netlink.AttributeDecoder, f *Flow) {
	switch nad.Type() {
	case FlowAttrInIfindex:
		f.InIfindex = nad.Uint32()
	case FlowAttrInDev:
		f.InDev = nad.String()
	case FlowAttrOutIfindex:
		f.OutIfindex = nad.Uint32()
	case FlowAttrOutDev:
		f.OutDev = nad.String()
	case FlowAttrMTU:
		f.MTU = nad.Uint32()
	case FlowAttrPackets:
		f.Packets = nad.Uint64()
	case FlowAttrBytes:
		f.Bytes = nad.Uint64()
	case FlowAttrAgeMS:
		f.Age = msDuration(nad.Uint64())
	case FlowAttrIdleMS:
		f.Idle = msDuration(nad.Uint64())
	case FlowAttrFlags:
		f.Flags = FlowFlags(nad.Uint32())
	case FlowAttrDir:
		f.Dir = Direction(nad.Uint8())
	case FlowAttrDstMAC:
		nad.Do(macDecoder(&f.DstMAC))
	}
}

// addrDecoder returns a decoder of a be32 IPv4 address.
func addrDecoder(addr *netip.Addr) func([]byte) error {
	return func(b []byte) error {
		if len(b) != 4 {
			return fmt.Errorf("IPv4 address of %d bytes", len(b))
		}
		*addr = netip.AddrFrom4([4]byte(b))
		return nil
	}
}

// portDecoder returns a decoder of a be16 port, kept in host order.
func portDecoder(port *uint16) func([]byte) error {
	return func(b []byte) error {
		if len(b) != 2 {
			return fmt.Errorf("port of %d bytes", len(b))
		}
		*port = binary.BigEndian.Uint16(b)
		return nil
	}
}

// macDecoder returns a decoder of an Ethernet address.
func macDecoder(mac *net.HardwareAddr) func([]byte) error {
	return func(b []byte) error {
		if len(b) != 6 {
			return fmt.Errorf("MAC address of %d bytes", len(b))
		}
		*mac = net.HardwareAddr(append([]byte(nil), b...))
		return nil
	}
}
