package sconnl

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// The fuzz targets here feed the decoders what a broken or hostile
// module could send, and the encoder every configuration:
//
//	go test ./internal/sconnl -run '^$' -fuzz FuzzStatusReply -fuzztime 30s

// FuzzStatusReply: any status reply decodes or fails with an error that
// names the request, never a panic.
func FuzzStatusReply(f *testing.F) {
	for _, seed := range replySeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := dialFake(t, replyWith(CmdGetStatus, data))
		st, err := c.Status()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "get status: decode reply: ") || len(err.Error()) < 30 {
				t.Fatalf("error %q does not say which request and what went wrong", err)
			}
			return
		}
		if len(st.Counters) < NumCounters {
			t.Fatalf("%d counters, want at least %d", len(st.Counters), NumCounters)
		}
	})
}

// FuzzFlowsReply: the same for one message of a flow dump.
func FuzzFlowsReply(f *testing.F) {
	for _, seed := range replySeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := dialFake(t, replyWith(CmdGetFlows, data))
		flows, err := c.Flows()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dump flows: decode message 0: ") || len(err.Error()) < 35 {
				t.Fatalf("error %q does not say which request and what went wrong", err)
			}
			return
		}
		if len(flows) != 1 {
			t.Fatalf("%d flows from one message", len(flows))
		}
		checkFlowAddrs(t, flows[0])
	})
}

// checkFlowAddrs: a decoded address is either absent or IPv4.
func checkFlowAddrs(t *testing.T, f Flow) {
	for _, a := range []netip.Addr{f.Src, f.Dst, f.NATSrc, f.NATDst} {
		if a.IsValid() && !a.Is4() {
			t.Fatalf("flow address %v is not IPv4", a)
		}
	}
}

func replyWith(cmd uint8, data []byte) func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
	return func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return []genetlink.Message{{
			Header: genetlink.Header{Command: cmd, Version: GenlVersion},
			Data:   data,
		}}, nil
	}
}

// replySeeds: well-formed replies, and a few ways of breaking them.
func replySeeds(f *testing.F) [][]byte {
	status := mustMarshal(f,
		attrString(AttrVersion, "1.0"), attrU32(AttrProtoVersion, GenlVersion),
		attrU8(AttrEnabled, 1), attrU32(AttrMaxFlows, 16384),
		attrNest(AttrBridges, attrString(AttrName, "docker0")),
		attrNest(AttrExcludes, attrNest(AttrExclude, attrBE32(ExclAttrAddr, "10.0.0.0"),
			attrU8(ExclAttrPrefix, 8), attrU16(ExclAttrPort, 53))),
		attrNest(AttrDevices, attrNest(AttrDevice, attrU32(DevAttrIfindex, 3),
			attrString(DevAttrName, "vethc1"), attrU8(DevAttrRole, uint8(RoleBridgePort)))),
		attrNest(AttrCounters, attrU64(1, 7), attrU64(300, 1)))
	flow := mustMarshal(f, attrNest(AttrFlow,
		attrU8(FlowAttrProto, 6), attrBE32(FlowAttrSrc, "172.17.0.2"), attrBE32(FlowAttrDst, "10.0.0.50"),
		attrBE16(FlowAttrSport, 80), attrBE16(FlowAttrDport, 1234), attrU64(FlowAttrPackets, 9),
		netlink.Attribute{Type: FlowAttrDstMAC, Data: []byte{2, 0, 0, 0, 0, 1}}))
	cut := append([]byte(nil), status[:len(status)-3]...)
	liar := append([]byte(nil), flow...)
	binary.NativeEndian.PutUint16(liar, 0xffff)
	return [][]byte{nil, status, flow, cut, liar,
		mustMarshal(f, attrNest(AttrFlow, attrU32(FlowAttrSrc, 1))),
		mustMarshal(f, attrNest(AttrExcludes, attrNest(AttrExclude, attrU8(ExclAttrPrefix, 40))))}
}

func mustMarshal(f *testing.F, attrs ...netlink.Attribute) []byte {
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzConfigRoundTrip: every configuration encodes, unless it holds a
// duration the wire cannot carry or an exclusion that is not an IPv4
// network, and reads back from the attributes as it went in.
func FuzzConfigRoundTrip(f *testing.F) {
	f.Add(true, uint32(16384), int64(time.Second), int64(30*time.Second), uint32(3),
		"docker0", "up0,eth1", []byte{10, 0, 0, 0, 8, 0, 53, 17})
	f.Add(false, uint32(0), int64(-1), int64(1500*time.Microsecond), uint32(0xffffffff),
		"", "", []byte{1, 2, 3, 4, 33, 0, 0, 0})
	f.Add(true, uint32(1), int64(math.MaxInt64), int64(0), uint32(1), "a,b,c", "d", []byte{255, 255, 255, 255, 0, 255, 255, 6})
	f.Fuzz(func(t *testing.T, enabled bool, maxFlows uint32, revalidate, idle int64,
		protocols uint32, bridges, uplinks string, excludes []byte) {
		cfg := Config{
			Enabled: &enabled, MaxFlows: &maxFlows,
			RevalidateInterval: ptr(time.Duration(revalidate)), IdleTimeout: ptr(time.Duration(idle)),
			Protocols: ptr(Protocols(protocols)),
			Bridges:   ptr(splitNames(bridges)), Uplinks: ptr(splitNames(uplinks)),
			Excludes: ptr(exclusions(excludes)),
		}
		attrs, err := encodeConfig(cfg)
		if wantErr := !encodable(cfg); (err != nil) != wantErr {
			t.Fatalf("encodeConfig error %v, want an error: %v", err, wantErr)
		}
		if err != nil {
			return
		}
		st, err := decodeStatus(attrs)
		if err != nil {
			t.Fatalf("decoding what encodeConfig wrote: %v", err)
		}
		checkRoundTrip(t, cfg, st)
	})
}

// splitNames: comma-separated names; the NUL that ends a name on the
// wire cannot be part of one.
func splitNames(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.ReplaceAll(s, "\x00", "_"), ",")
}

// exclusions: one per 8 bytes, address, prefix length, port, protocol.
func exclusions(b []byte) []Exclude {
	list := []Exclude{}
	for ; len(b) >= 8; b = b[8:] {
		addr := netip.AddrFrom4([4]byte(b[:4]))
		list = append(list, Exclude{
			Prefix: netip.PrefixFrom(addr, int(b[4])),
			Port:   binary.BigEndian.Uint16(b[5:]),
			Proto:  IPProto(b[7]),
		})
	}
	return list
}

func encodable(cfg Config) bool {
	for _, d := range []time.Duration{*cfg.RevalidateInterval, *cfg.IdleTimeout} {
		if d < 0 || d%time.Millisecond != 0 || d.Milliseconds() > math.MaxUint32 {
			return false
		}
	}
	for _, ex := range *cfg.Excludes {
		if !ex.Prefix.IsValid() {
			return false
		}
	}
	return true
}

func checkRoundTrip(t *testing.T, cfg Config, st Status) {
	t.Helper()
	if st.Enabled != *cfg.Enabled || st.MaxFlows != *cfg.MaxFlows ||
		st.RevalidateInterval != *cfg.RevalidateInterval || st.IdleTimeout != *cfg.IdleTimeout ||
		st.Protocols != *cfg.Protocols {
		t.Errorf("scalars came back as %+v from %+v", st, cfg)
	}
	emptyIsNil := cmpopts.EquateEmpty()
	if diff := cmp.Diff(*cfg.Bridges, st.Bridges, emptyIsNil); diff != "" {
		t.Errorf("bridges (-sent +read):\n%s", diff)
	}
	if diff := cmp.Diff(*cfg.Uplinks, st.Uplinks, emptyIsNil); diff != "" {
		t.Errorf("uplinks (-sent +read):\n%s", diff)
	}
	var want []Exclude
	for _, ex := range *cfg.Excludes {
		ex.Prefix = ex.Prefix.Masked() // host bits are cleared on the way out
		want = append(want, ex)
	}
	if diff := cmp.Diff(want, st.Excludes, emptyIsNil, addrComparer); diff != "" {
		t.Errorf("excludes (-sent +read):\n%s", diff)
	}
}
