package sconnl

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nlenc"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"
)

// testFamily is the family the fake kernel serves.
var testFamily = genetlink.Family{ID: 0x1d, Version: GenlVersion, Name: GenlName}

// addrComparer lets cmp compare the netip types, whose fields are
// unexported.
var addrComparer = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
}

// requestComparer compares requests, ignoring the attribute lengths
// that only decoding fills in; nested lengths are compared as bytes.
var requestComparer = cmp.Options{
	cmp.AllowUnexported(request{}),
	cmpopts.IgnoreFields(netlink.Attribute{}, "Length"),
}

// dialFake returns a Client whose kernel is fn, behind a fake controller
// that resolves testFamily.
func dialFake(t *testing.T, fn genltest.Func) *Client {
	t.Helper()
	c, err := newClient(genltest.Dial(genltest.ServeFamily(testFamily, fn)))
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// request is what a fake kernel saw of one request.
type request struct {
	cmd     uint8
	version uint8
	flags   netlink.HeaderFlags
	attrs   []netlink.Attribute
}

// recordRequest returns a fake kernel that stores the request in got and
// answers with replies. A request that expects only an acknowledgement
// gets an empty message, which is all the fake can send for one.
func recordRequest(t *testing.T, got *request, replies ...genetlink.Message) genltest.Func {
	return func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
		if nreq.Header.Type != netlink.HeaderType(testFamily.ID) {
			t.Errorf("request to family %d, want %d", nreq.Header.Type, testFamily.ID)
		}
		attrs, err := netlink.UnmarshalAttributes(greq.Data)
		if err != nil {
			t.Errorf("request attributes: %v", err)
		}
		*got = request{greq.Header.Command, greq.Header.Version, nreq.Header.Flags, attrs}
		if len(replies) == 0 {
			return []genetlink.Message{{}}, nil
		}
		return replies, nil
	}
}

func attrU8(typ uint16, v uint8) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: []byte{v}}
}

func attrU16(typ uint16, v uint16) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: nlenc.Uint16Bytes(v)}
}

func attrU32(typ uint16, v uint32) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: nlenc.Uint32Bytes(v)}
}

func attrU64(typ uint16, v uint64) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: nlenc.Uint64Bytes(v)}
}

func attrString(typ uint16, s string) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: nlenc.Bytes(s)}
}

// attrBE16 is a port in network byte order, as SCON_FLOW_A_*PORT are.
func attrBE16(typ uint16, v uint16) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: binary.BigEndian.AppendUint16(nil, v)}
}

// attrBE32 is an IPv4 address in network byte order.
func attrBE32(typ uint16, addr string) netlink.Attribute {
	a := netip.MustParseAddr(addr).As4()
	return netlink.Attribute{Type: typ, Data: a[:]}
}

func attrNest(typ uint16, attrs ...netlink.Attribute) netlink.Attribute {
	return netlink.Attribute{Type: typ | netlink.Nested, Data: nltest.MustMarshalAttributes(attrs)}
}

func message(cmd uint8, attrs ...netlink.Attribute) genetlink.Message {
	return genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: GenlVersion},
		Data:   nltest.MustMarshalAttributes(attrs),
	}
}

func ptr[T any](v T) *T { return &v }

func TestSetConfigSendsOnlySetFields(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []netlink.Attribute
	}{
		{
			name: "nothing",
			cfg:  Config{},
			want: nil,
		},
		{
			name: "enabled only",
			cfg:  Config{Enabled: ptr(false)},
			want: []netlink.Attribute{attrU8(AttrEnabled, 0)},
		},
		{
			name: "empty list clears",
			cfg:  Config{Uplinks: ptr([]string{})},
			want: []netlink.Attribute{attrNest(AttrUplinks)},
		},
		{
			name: "every field",
			cfg: Config{
				Enabled:            ptr(true),
				MaxFlows:           ptr(uint32(16384)),
				RevalidateInterval: ptr(time.Second),
				IdleTimeout:        ptr(30 * time.Second),
				Protocols:          ptr(ProtoTCP | ProtoUDP),
				Bridges:            ptr([]string{"docker0", "br-1"}),
				Uplinks:            ptr([]string{"eth0"}),
				Excludes: ptr([]Exclude{
					{Prefix: netip.MustParsePrefix("192.168.0.0/16"), Port: 22, Proto: IPProtoTCP},
					{Prefix: netip.MustParsePrefix("10.1.2.3/8")},
				}),
			},
			want: []netlink.Attribute{
				attrU8(AttrEnabled, 1),
				attrU32(AttrMaxFlows, 16384),
				attrU32(AttrRevalidateMS, 1000),
				attrU32(AttrIdleTimeoutMS, 30000),
				attrU32(AttrProtocols, 3),
				attrNest(AttrBridges, attrString(AttrName, "docker0"), attrString(AttrName, "br-1")),
				attrNest(AttrUplinks, attrString(AttrName, "eth0")),
				attrNest(AttrExcludes,
					attrNest(AttrExclude,
						attrBE32(ExclAttrAddr, "192.168.0.0"),
						attrU8(ExclAttrPrefix, 16),
						attrU16(ExclAttrPort, 22),
						attrU8(ExclAttrProto, unix.IPPROTO_TCP)),
					// Host bits are cleared; "any" port and protocol
					// are left out.
					attrNest(AttrExclude,
						attrBE32(ExclAttrAddr, "10.0.0.0"),
						attrU8(ExclAttrPrefix, 8))),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got request
			c := dialFake(t, recordRequest(t, &got))
			if err := c.SetConfig(tt.cfg); err != nil {
				t.Fatalf("SetConfig: %v", err)
			}
			want := request{CmdSetConfig, GenlVersion, netlink.Request | netlink.Acknowledge, tt.want}
			if diff := cmp.Diff(want, got, requestComparer); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetConfigRefusesUnencodable(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"sub-millisecond interval", Config{RevalidateInterval: ptr(1500 * time.Microsecond)}},
		{"negative timeout", Config{IdleTimeout: ptr(-time.Second)}},
		{"IPv6 exclusion", Config{Excludes: ptr([]Exclude{{Prefix: netip.MustParsePrefix("fd00::/8")}})}},
		{"no prefix", Config{Excludes: ptr([]Exclude{{}})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := false
			c := dialFake(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
				sent = true
				return []genetlink.Message{{}}, nil
			})
			if err := c.SetConfig(tt.cfg); err == nil {
				t.Error("SetConfig succeeded, want an error")
			}
			if sent {
				t.Error("a request was sent")
			}
		})
	}
}

func TestDeviceAndFlushRequests(t *testing.T) {
	tests := []struct {
		name string
		call func(*Client) error
		want request
	}{
		{
			name: "attach",
			call: func(c *Client) error { return c.Attach("docker0") },
			want: request{CmdAttach, GenlVersion, netlink.Request | netlink.Acknowledge,
				[]netlink.Attribute{attrString(AttrName, "docker0")}},
		},
		{
			name: "detach",
			call: func(c *Client) error { return c.Detach("eth0") },
			want: request{CmdDetach, GenlVersion, netlink.Request | netlink.Acknowledge,
				[]netlink.Attribute{attrString(AttrName, "eth0")}},
		},
		{
			name: "flush",
			call: func(c *Client) error { return c.Flush() },
			want: request{CmdFlush, GenlVersion, netlink.Request | netlink.Acknowledge, nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got request
			c := dialFake(t, recordRequest(t, &got))
			if err := tt.call(c); err != nil {
				t.Fatalf("request failed: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, requestComparer); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// statusReply is a GET_STATUS reply with every attribute, counters out
// of order and one counter this build does not know.
func statusReply() genetlink.Message {
	unknownCounter := uint16(NumCounters) + 2 // counter NumCounters+1
	return message(CmdGetStatus,
		attrString(AttrVersion, "0.3.0"),
		attrU32(AttrProtoVersion, 1),
		attrU8(AttrEnabled, 1),
		attrU32(AttrFlowCount, 12),
		attrU32(AttrMaxFlows, 16384),
		attrU32(AttrRevalidateMS, 1000),
		attrU32(AttrIdleTimeoutMS, 30000),
		attrU32(AttrProtocols, uint32(ProtoTCP)),
		attrNest(AttrBridges, attrString(AttrName, "docker0")),
		attrNest(AttrUplinks, attrString(AttrName, "eth0"), attrString(AttrName, "eth1")),
		attrNest(AttrExcludes,
			attrNest(AttrExclude,
				attrBE32(ExclAttrAddr, "192.168.0.0"),
				attrU8(ExclAttrPrefix, 16),
				attrU16(ExclAttrPort, 22),
				attrU8(ExclAttrProto, unix.IPPROTO_TCP))),
		attrNest(AttrDevices,
			attrNest(AttrDevice,
				attrU32(DevAttrIfindex, 2),
				attrString(DevAttrName, "eth0"),
				attrU8(DevAttrRole, uint8(RoleUplink))),
			attrNest(AttrDevice,
				attrU32(DevAttrIfindex, 7),
				attrString(DevAttrName, "veth1a2b"),
				attrU8(DevAttrRole, uint8(RoleBridgePort)),
				attrString(DevAttrMaster, "docker0"))),
		attrNest(AttrCounters,
			attrU64(uint16(CounterInvFlush)+1, 3),
			attrU64(uint16(CounterExpressPackets)+1, 1000),
			attrU64(unknownCounter, 9)),
		// An attribute of a newer module is skipped.
		attrU32(AttrMax+1, 42),
	)
}

func TestStatusDecodesReply(t *testing.T) {
	var got request
	c := dialFake(t, recordRequest(t, &got, statusReply()))
	st, err := c.Status()
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if want := (request{CmdGetStatus, GenlVersion, netlink.Request, nil}); !cmp.Equal(want, got, requestComparer) {
		t.Errorf("request = %+v, want %+v", got, want)
	}

	counters := make([]uint64, NumCounters+2)
	counters[CounterExpressPackets] = 1000
	counters[CounterInvFlush] = 3
	counters[NumCounters+1] = 9
	want := Status{
		Version:            "0.3.0",
		ProtoVersion:       1,
		Enabled:            true,
		FlowCount:          12,
		MaxFlows:           16384,
		RevalidateInterval: time.Second,
		IdleTimeout:        30 * time.Second,
		Protocols:          ProtoTCP,
		Bridges:            []string{"docker0"},
		Uplinks:            []string{"eth0", "eth1"},
		Excludes: []Exclude{
			{Prefix: netip.MustParsePrefix("192.168.0.0/16"), Port: 22, Proto: IPProtoTCP},
		},
		Devices: []Device{
			{Ifindex: 2, Name: "eth0", Role: RoleUplink},
			{Ifindex: 7, Name: "veth1a2b", Role: RoleBridgePort, Master: "docker0"},
		},
		Counters: counters,
	}
	if diff := cmp.Diff(want, st, addrComparer); diff != "" {
		t.Errorf("Status (-want +got):\n%s", diff)
	}
}

func TestStatusEmptyReplyHasAllCounters(t *testing.T) {
	var got request
	c := dialFake(t, recordRequest(t, &got, message(CmdGetStatus)))
	st, err := c.Status()
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(st.Counters) != NumCounters {
		t.Errorf("%d counters, want %d", len(st.Counters), NumCounters)
	}
}

func TestStatusRejectsMalformedReply(t *testing.T) {
	tests := []struct {
		name  string
		reply genetlink.Message
	}{
		{"short u32", message(CmdGetStatus, netlink.Attribute{Type: AttrMaxFlows, Data: []byte{1, 2}})},
		{"short address", message(CmdGetStatus, attrNest(AttrExcludes,
			attrNest(AttrExclude, netlink.Attribute{Type: ExclAttrAddr, Data: []byte{10, 0}})))},
		{"prefix too long", message(CmdGetStatus, attrNest(AttrExcludes,
			attrNest(AttrExclude, attrBE32(ExclAttrAddr, "10.0.0.0"), attrU8(ExclAttrPrefix, 33))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got request
			c := dialFake(t, recordRequest(t, &got, tt.reply))
			if _, err := c.Status(); err == nil {
				t.Error("Status succeeded, want an error")
			}
		})
	}
}

// flowMessage is one dump message of a DNATed TCP flow.
func flowMessage(sport uint16, dir Direction, flags FlowFlags) genetlink.Message {
	return message(CmdGetFlows, attrNest(AttrFlow,
		attrU8(FlowAttrProto, unix.IPPROTO_TCP),
		attrBE32(FlowAttrSrc, "10.0.0.2"),
		attrBE32(FlowAttrDst, "10.0.0.1"),
		attrBE16(FlowAttrSport, sport),
		attrBE16(FlowAttrDport, 8080),
		attrBE32(FlowAttrNATSrc, "10.0.0.2"),
		attrBE32(FlowAttrNATDst, "172.17.0.2"),
		attrBE16(FlowAttrNATSport, sport),
		attrBE16(FlowAttrNATDport, 80),
		attrU32(FlowAttrInIfindex, 2),
		attrString(FlowAttrInDev, "eth0"),
		attrU32(FlowAttrOutIfindex, 7),
		attrString(FlowAttrOutDev, "docker0"),
		attrU32(FlowAttrMTU, 1500),
		attrU64(FlowAttrPackets, 10),
		attrU64(FlowAttrBytes, 1500),
		attrU64(FlowAttrAgeMS, 3200),
		attrU64(FlowAttrIdleMS, 100),
		attrU32(FlowAttrFlags, uint32(flags)),
		attrU8(FlowAttrDir, uint8(dir)),
		netlink.Attribute{Type: FlowAttrDstMAC, Data: []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}},
	))
}

func wantFlow(sport uint16, dir Direction, flags FlowFlags) Flow {
	return Flow{
		Proto:      IPProtoTCP,
		Dir:        dir,
		Src:        netip.MustParseAddr("10.0.0.2"),
		Dst:        netip.MustParseAddr("10.0.0.1"),
		SrcPort:    sport,
		DstPort:    8080,
		NATSrc:     netip.MustParseAddr("10.0.0.2"),
		NATDst:     netip.MustParseAddr("172.17.0.2"),
		NATSrcPort: sport,
		NATDstPort: 80,
		InIfindex:  2,
		InDev:      "eth0",
		OutIfindex: 7,
		OutDev:     "docker0",
		MTU:        1500,
		DstMAC:     net.HardwareAddr{0x02, 0x42, 0xac, 0x11, 0x00, 0x02},
		Packets:    10,
		Bytes:      1500,
		Age:        3200 * time.Millisecond,
		Idle:       100 * time.Millisecond,
		Flags:      flags,
	}
}

func TestFlowsDecodesDump(t *testing.T) {
	var got request
	c := dialFake(t, recordRequest(t, &got,
		flowMessage(40000, DirOriginal, FlowFlagRouted|FlowFlagReady),
		flowMessage(40001, DirReply, FlowFlagStale),
		flowMessage(65535, DirOriginal, 0),
	))
	flows, err := c.Flows()
	if err != nil {
		t.Fatalf("Flows: %v", err)
	}
	if got.flags != netlink.Request|netlink.Dump || got.cmd != CmdGetFlows {
		t.Errorf("request command %d flags %v, want %d %v", got.cmd, got.flags, CmdGetFlows, netlink.Request|netlink.Dump)
	}
	want := []Flow{
		wantFlow(40000, DirOriginal, FlowFlagRouted|FlowFlagReady),
		wantFlow(40001, DirReply, FlowFlagStale),
		wantFlow(65535, DirOriginal, 0),
	}
	if diff := cmp.Diff(want, flows, addrComparer); diff != "" {
		t.Errorf("Flows (-want +got):\n%s", diff)
	}
	if !want[0].Routed() || !want[0].Ready() || want[0].Stale() || !want[1].Stale() {
		t.Error("flag accessors disagree with the flags")
	}
}

func TestFlowsEmptyDump(t *testing.T) {
	c := dialFake(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, nil
	})
	flows, err := c.Flows()
	if err != nil {
		t.Fatalf("Flows: %v", err)
	}
	if flows == nil || len(flows) != 0 {
		t.Errorf("Flows = %#v, want an empty, non-nil slice", flows)
	}
}

func TestFlowsRejectsMalformedMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  genetlink.Message
	}{
		{"no flow nest", message(CmdGetFlows, attrU32(AttrFlowCount, 1))},
		{"3-byte port", message(CmdGetFlows, attrNest(AttrFlow,
			netlink.Attribute{Type: FlowAttrSport, Data: []byte{1, 2, 3}}))},
		{"5-byte MAC", message(CmdGetFlows, attrNest(AttrFlow,
			netlink.Attribute{Type: FlowAttrDstMAC, Data: []byte{1, 2, 3, 4, 5}}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got request
			c := dialFake(t, recordRequest(t, &got, flowMessage(1, DirOriginal, 0), tt.msg))
			if _, err := c.Flows(); err == nil {
				t.Error("Flows succeeded, want an error")
			}
		})
	}
}

func TestDialWithoutFamilyIsNotLoaded(t *testing.T) {
	conn := genltest.Dial(func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(int(unix.ENOENT))
	})
	defer conn.Close()
	_, err := newClient(conn)
	if !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("newClient error = %v, want ErrNotLoaded", err)
	}
	if want := "scon module is not loaded (modprobe scon or insmod scon.ko)"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
}

func TestRefusalIsPermissionError(t *testing.T) {
	c := dialFake(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(int(unix.EPERM))
	})
	err := c.Attach("eth0")
	if !errors.Is(err, os.ErrPermission) {
		t.Errorf("errors.Is(%v, os.ErrPermission) = false", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Errno != unix.EPERM {
		t.Fatalf("error %#v is not an *Error with EPERM", err)
	}
	if want := "attach eth0: operation not permitted"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
}
