package sconnl

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// headerPath is the uapi header, the only definition of the wire format.
const headerPath = "../../kmod/uapi/scon.h"

// uapiHeader is what the tests read from the header.
type uapiHeader struct {
	values  map[string]int64    // every enumerator and numeric #define
	strings map[string]string   // string #defines
	enums   map[string][]string // enumerators of each enum, in order
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	enumBlock    = regexp.MustCompile(`(?s)enum\s+(\w+)\s*\{(.*?)\}`)
	defineLine   = regexp.MustCompile(`(?m)^#define\s+(\w+)[ \t]+(.+)$`)
	stringValue  = regexp.MustCompile(`^"(.*)"$`)
	shiftValue   = regexp.MustCompile(`^\(?\s*(\w+)\s*<<\s*(\w+)\s*\)?$`)
	minusValue   = regexp.MustCompile(`^\(?\s*(\w+)\s*-\s*(\w+)\s*\)?$`)
)

// parseHeader reads the enums and #defines of the uapi header. It knows
// only the expression forms the header uses and fails on any other, so
// that a new form is noticed rather than skipped.
func parseHeader(t *testing.T) uapiHeader {
	t.Helper()
	raw, err := os.ReadFile(headerPath)
	if err != nil {
		t.Fatalf("read uapi header: %v", err)
	}
	src := blockComment.ReplaceAllString(string(raw), "")
	src = lineComment.ReplaceAllString(src, "")

	h := uapiHeader{
		values:  map[string]int64{},
		strings: map[string]string{},
		enums:   map[string][]string{},
	}
	for _, m := range enumBlock.FindAllStringSubmatch(src, -1) {
		if err := h.addEnum(m[1], m[2]); err != nil {
			t.Fatalf("enum %s: %v", m[1], err)
		}
	}
	for _, m := range defineLine.FindAllStringSubmatch(src, -1) {
		if err := h.addDefine(m[1], strings.TrimSpace(m[2])); err != nil {
			t.Fatalf("#define %s: %v", m[1], err)
		}
	}
	return h
}

// addEnum records the enumerators of one enum, counting positions the
// way C does: one more than the previous, unless given explicitly.
func (h uapiHeader) addEnum(name, body string) error {
	next := int64(0)
	for _, entry := range strings.Split(body, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		ident, expr, explicit := strings.Cut(entry, "=")
		ident = strings.TrimSpace(ident)
		if explicit {
			v, err := h.eval(strings.TrimSpace(expr))
			if err != nil {
				return fmt.Errorf("%s: %w", ident, err)
			}
			next = v
		}
		h.values[ident] = next
		h.enums[name] = append(h.enums[name], ident)
		next++
	}
	return nil
}

func (h uapiHeader) addDefine(name, expr string) error {
	if m := stringValue.FindStringSubmatch(expr); m != nil {
		h.strings[name] = m[1]
		return nil
	}
	v, err := h.eval(expr)
	if err != nil {
		return err
	}
	h.values[name] = v
	return nil
}

// eval evaluates the expressions the header uses: numbers, names defined
// earlier, (A << B) and (A - B).
func (h uapiHeader) eval(expr string) (int64, error) {
	if m := shiftValue.FindStringSubmatch(expr); m != nil {
		return h.evalPair(m[1], m[2], func(a, b int64) int64 { return a << b })
	}
	if m := minusValue.FindStringSubmatch(expr); m != nil {
		return h.evalPair(m[1], m[2], func(a, b int64) int64 { return a - b })
	}
	return h.evalTerm(expr)
}

func (h uapiHeader) evalPair(a, b string, op func(a, b int64) int64) (int64, error) {
	x, err := h.evalTerm(a)
	if err != nil {
		return 0, err
	}
	y, err := h.evalTerm(b)
	if err != nil {
		return 0, err
	}
	return op(x, y), nil
}

func (h uapiHeader) evalTerm(term string) (int64, error) {
	if v, ok := h.values[term]; ok {
		return v, nil
	}
	v, err := strconv.ParseInt(strings.TrimRight(term, "uUlL"), 0, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot evaluate %q", term)
	}
	return v, nil
}

// goValues maps each C name of the header to the Go constant mirroring
// it. Sentinels named __*_MAX have no mirror; the *_MAX defines do.
var goValues = map[string]int64{
	"SCON_GENL_VERSION": GenlVersion,
	"SCON_MAX_DEVICES":  MaxDevices,
	"SCON_MAX_EXCLUDES": MaxExcludes,

	"SCON_CMD_UNSPEC":     int64(CmdUnspec),
	"SCON_CMD_GET_STATUS": int64(CmdGetStatus),
	"SCON_CMD_SET_CONFIG": int64(CmdSetConfig),
	"SCON_CMD_ATTACH":     int64(CmdAttach),
	"SCON_CMD_DETACH":     int64(CmdDetach),
	"SCON_CMD_FLUSH":      int64(CmdFlush),
	"SCON_CMD_GET_FLOWS":  int64(CmdGetFlows),
	"SCON_CMD_MAX":        int64(CmdMax),

	"SCON_A_UNSPEC":          int64(AttrUnspec),
	"SCON_A_VERSION":         int64(AttrVersion),
	"SCON_A_PROTO_VERSION":   int64(AttrProtoVersion),
	"SCON_A_ENABLED":         int64(AttrEnabled),
	"SCON_A_FLOW_COUNT":      int64(AttrFlowCount),
	"SCON_A_MAX_FLOWS":       int64(AttrMaxFlows),
	"SCON_A_REVALIDATE_MS":   int64(AttrRevalidateMS),
	"SCON_A_IDLE_TIMEOUT_MS": int64(AttrIdleTimeoutMS),
	"SCON_A_PROTOCOLS":       int64(AttrProtocols),
	"SCON_A_BRIDGES":         int64(AttrBridges),
	"SCON_A_UPLINKS":         int64(AttrUplinks),
	"SCON_A_NAME":            int64(AttrName),
	"SCON_A_EXCLUDES":        int64(AttrExcludes),
	"SCON_A_EXCLUDE":         int64(AttrExclude),
	"SCON_A_DEVICES":         int64(AttrDevices),
	"SCON_A_DEVICE":          int64(AttrDevice),
	"SCON_A_COUNTERS":        int64(AttrCounters),
	"SCON_A_FLOW":            int64(AttrFlow),
	"SCON_A_MAX":             int64(AttrMax),

	"SCON_PROTO_TCP": int64(ProtoTCP),
	"SCON_PROTO_UDP": int64(ProtoUDP),

	"SCON_EXCL_A_UNSPEC": int64(ExclAttrUnspec),
	"SCON_EXCL_A_ADDR":   int64(ExclAttrAddr),
	"SCON_EXCL_A_PREFIX": int64(ExclAttrPrefix),
	"SCON_EXCL_A_PORT":   int64(ExclAttrPort),
	"SCON_EXCL_A_PROTO":  int64(ExclAttrProto),
	"SCON_EXCL_A_MAX":    int64(ExclAttrMax),

	"SCON_ROLE_UPLINK":      int64(RoleUplink),
	"SCON_ROLE_BRIDGE_PORT": int64(RoleBridgePort),

	"SCON_DEV_A_UNSPEC":  int64(DevAttrUnspec),
	"SCON_DEV_A_IFINDEX": int64(DevAttrIfindex),
	"SCON_DEV_A_NAME":    int64(DevAttrName),
	"SCON_DEV_A_ROLE":    int64(DevAttrRole),
	"SCON_DEV_A_MASTER":  int64(DevAttrMaster),
	"SCON_DEV_A_MAX":     int64(DevAttrMax),

	"SCON_FLOW_F_ROUTED": int64(FlowFlagRouted),
	"SCON_FLOW_F_READY":  int64(FlowFlagReady),
	"SCON_FLOW_F_STALE":  int64(FlowFlagStale),

	"SCON_FLOW_A_UNSPEC":      int64(FlowAttrUnspec),
	"SCON_FLOW_A_PROTO":       int64(FlowAttrProto),
	"SCON_FLOW_A_SRC":         int64(FlowAttrSrc),
	"SCON_FLOW_A_DST":         int64(FlowAttrDst),
	"SCON_FLOW_A_SPORT":       int64(FlowAttrSport),
	"SCON_FLOW_A_DPORT":       int64(FlowAttrDport),
	"SCON_FLOW_A_NAT_SRC":     int64(FlowAttrNATSrc),
	"SCON_FLOW_A_NAT_DST":     int64(FlowAttrNATDst),
	"SCON_FLOW_A_NAT_SPORT":   int64(FlowAttrNATSport),
	"SCON_FLOW_A_NAT_DPORT":   int64(FlowAttrNATDport),
	"SCON_FLOW_A_IN_IFINDEX":  int64(FlowAttrInIfindex),
	"SCON_FLOW_A_IN_DEV":      int64(FlowAttrInDev),
	"SCON_FLOW_A_OUT_IFINDEX": int64(FlowAttrOutIfindex),
	"SCON_FLOW_A_OUT_DEV":     int64(FlowAttrOutDev),
	"SCON_FLOW_A_MTU":         int64(FlowAttrMTU),
	"SCON_FLOW_A_PACKETS":     int64(FlowAttrPackets),
	"SCON_FLOW_A_BYTES":       int64(FlowAttrBytes),
	"SCON_FLOW_A_AGE_MS":      int64(FlowAttrAgeMS),
	"SCON_FLOW_A_IDLE_MS":     int64(FlowAttrIdleMS),
	"SCON_FLOW_A_FLAGS":       int64(FlowAttrFlags),
	"SCON_FLOW_A_DIR":         int64(FlowAttrDir),
	"SCON_FLOW_A_DST_MAC":     int64(FlowAttrDstMAC),
	"SCON_FLOW_A_PAD":         int64(FlowAttrPad),
	"SCON_FLOW_A_MAX":         int64(FlowAttrMax),

	"SCON_CTR_EXPRESS_PACKETS":    int64(CounterExpressPackets),
	"SCON_CTR_EXPRESS_BYTES":      int64(CounterExpressBytes),
	"SCON_CTR_FLOWS_LEARNED":      int64(CounterFlowsLearned),
	"SCON_CTR_FLOWS_REFUSED_FULL": int64(CounterFlowsRefusedFull),
	"SCON_CTR_FLOWS_RENEWED":      int64(CounterFlowsRenewed),
	"SCON_CTR_FB_TCP_FLAGS":       int64(CounterFbTCPFlags),
	"SCON_CTR_FB_MTU":             int64(CounterFbMTU),
	"SCON_CTR_FB_IP_OPTIONS":      int64(CounterFbIPOptions),
	"SCON_CTR_FB_FRAGMENT":        int64(CounterFbFragment),
	"SCON_CTR_FB_TTL":             int64(CounterFbTTL),
	"SCON_CTR_FB_REVALIDATE":      int64(CounterFbRevalidate),
	"SCON_CTR_FB_CT_STATE":        int64(CounterFbCtState),
	"SCON_CTR_FB_NOT_READY":       int64(CounterFbNotReady),
	"SCON_CTR_FB_MALFORMED":       int64(CounterFbMalformed),
	"SCON_CTR_FB_NO_MEMORY":       int64(CounterFbNoMemory),
	"SCON_CTR_FB_OUT_DOWN":        int64(CounterFbOutDown),
	"SCON_CTR_SKIP_HELPER":        int64(CounterSkipHelper),
	"SCON_CTR_SKIP_XFRM":          int64(CounterSkipXfrm),
	"SCON_CTR_SKIP_EXCLUDED":      int64(CounterSkipExcluded),
	"SCON_CTR_SKIP_NO_NEIGH":      int64(CounterSkipNoNeigh),
	"SCON_CTR_INV_CONNTRACK":      int64(CounterInvConntrack),
	"SCON_CTR_INV_LINK":           int64(CounterInvLink),
	"SCON_CTR_INV_NEIGH":          int64(CounterInvNeigh),
	"SCON_CTR_INV_ROUTE":          int64(CounterInvRoute),
	"SCON_CTR_INV_IDLE":           int64(CounterInvIdle),
	"SCON_CTR_INV_FLUSH":          int64(CounterInvFlush),
	"SCON_CTR_FB_L2_MISMATCH":     int64(CounterFbL2Mismatch),
	"SCON_CTR_INV_FDB":            int64(CounterInvFdb),
	"SCON_CTR_MAX":                int64(CounterMax),
}

// isSentinel reports whether a C name needs no Go mirror: the __*_MAX
// enumerators exist only to compute the *_MAX defines.
func isSentinel(name string) bool {
	return strings.HasPrefix(name, "__")
}

func TestConstantsMatchHeader(t *testing.T) {
	h := parseHeader(t)
	for name, cValue := range h.values {
		if isSentinel(name) {
			continue
		}
		goValue, ok := goValues[name]
		if !ok {
			t.Errorf("%s = %d in the header has no Go constant", name, cValue)
			continue
		}
		if goValue != cValue {
			t.Errorf("%s: Go value %d, header value %d", name, goValue, cValue)
		}
	}
	for name := range goValues {
		if _, ok := h.values[name]; !ok {
			t.Errorf("%s has a Go constant but is not in the header", name)
		}
	}
}

func TestFamilyNameMatchesHeader(t *testing.T) {
	h := parseHeader(t)
	if got := h.strings["SCON_GENL_NAME"]; got != GenlName {
		t.Errorf("SCON_GENL_NAME = %q in the header, GenlName = %q", got, GenlName)
	}
}

func TestCounterNamesMatchHeader(t *testing.T) {
	h := parseHeader(t)
	var want []string
	for _, ident := range h.enums["scon_counter"] {
		if isSentinel(ident) {
			continue
		}
		want = append(want, strings.ToLower(strings.TrimPrefix(ident, "SCON_CTR_")))
	}
	if len(want) == 0 {
		t.Fatal("no enum scon_counter in the header")
	}
	if diff := cmp.Diff(want, CounterNames()); diff != "" {
		t.Errorf("counter names differ from enum scon_counter (-want +got):\n%s", diff)
	}
	if NumCounters != len(want) {
		t.Errorf("NumCounters = %d, enum scon_counter has %d", NumCounters, len(want))
	}
}

func TestCounterString(t *testing.T) {
	tests := []struct {
		counter Counter
		want    string
	}{
		{CounterExpressPackets, "express_packets"},
		{CounterFbTCPFlags, "fb_tcp_flags"},
		{CounterInvFlush, "inv_flush"},
		{Counter(NumCounters + 3), fmt.Sprintf("counter_%d", NumCounters+3)},
	}
	for _, tt := range tests {
		if got := tt.counter.String(); got != tt.want {
			t.Errorf("Counter(%d).String() = %q, want %q", tt.counter, got, tt.want)
		}
	}
}
