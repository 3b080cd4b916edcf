package sconnl

import "strconv"

// A Counter numbers one of the module's per-CPU counters.
type Counter uint16

// counterNames holds each counter's name: the enum scon_counter name in
// lower case without its SCON_CTR_ prefix. uapi_test.go derives the same
// list from the header, so a counter added there must be added here.
var counterNames = [NumCounters]string{
	CounterExpressPackets:   "express_packets",
	CounterExpressBytes:     "express_bytes",
	CounterFlowsLearned:     "flows_learned",
	CounterFlowsRefusedFull: "flows_refused_full",
	CounterFlowsRenewed:     "flows_renewed",
	CounterFbTCPFlags:       "fb_tcp_flags",
	CounterFbMTU:            "fb_mtu",
	CounterFbIPOptions:      "fb_ip_options",
	CounterFbFragment:       "fb_fragment",
	CounterFbTTL:            "fb_ttl",
	CounterFbRevalidate:     "fb_revalidate",
	CounterFbCtState:        "fb_ct_state",
	CounterFbNotReady:       "fb_not_ready",
	CounterFbMalformed:      "fb_malformed",
	CounterFbNoMemory:       "fb_no_memory",
	CounterFbOutDown:        "fb_out_down",
	CounterSkipHelper:       "skip_helper",
	CounterSkipXfrm:         "skip_xfrm",
	CounterSkipExcluded:     "skip_excluded",
	CounterSkipNoNeigh:      "skip_no_neigh",
	CounterInvConntrack:     "inv_conntrack",
	CounterInvLink:          "inv_link",
	CounterInvNeigh:         "inv_neigh",
	CounterInvRoute:         "inv_route",
	CounterInvIdle:          "inv_idle",
	CounterInvFlush:         "inv_flush",
	CounterFbL2Mismatch:     "fb_l2_mismatch",
	CounterInvFdb:           "inv_fdb",
}

// String returns the counter's name, such as "express_packets". A counter
// of a newer module that this build does not know is named "counter_N".
func (c Counter) String() string {
	if int(c) < len(counterNames) {
		return counterNames[c]
	}
	return "counter_" + strconv.Itoa(int(c))
}

// CounterNames returns the names of all counters this build knows, in
// wire order.
func CounterNames() []string {
	names := make([]string, len(counterNames))
	copy(names, counterNames[:])
	return names
}
