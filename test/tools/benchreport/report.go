package main

import (
	"fmt"
	"strings"
)

// workload kinds: what a workload's figures count.
const (
	kindRR    = "rr"    // request/response: latency, cost per transaction
	kindTput  = "tput"  // bulk transfer: Mbit/s, cost per MB
	kindRate  = "rate"  // fixed offered rate: received Mbit/s, loss
	kindScale = "scale" // N concurrent flows: cost per packet
	kindOne   = "one"   // single figures: memory, handshake, offload check
)

type workload struct{ id, label, dir, kind string }

const (
	dirIn  = "ext -> published port"
	dirOut = "container -> ext"
	dirC2C = "c2 -> c1, same bridge"
	dirUDP = "ext -> published port, UDP, N flows"
)

var catalog = []workload{
	{"in_tcp_rr", "TCP request/response", dirIn, kindRR},
	{"in_udp_rr", "UDP request/response", dirIn, kindRR},
	{"in_http_ka", "HTTP, kept-alive", dirIn, kindRR},
	{"in_http_new", "HTTP, new connection each", dirIn, kindRR},
	{"in_mqtt", "MQTT publish -> receive", dirIn, kindRR},
	{"in_tcp_tput", "TCP throughput (iperf3)", dirIn, kindTput},
	{"in_udp_rate", "UDP fixed rate (iperf3)", dirIn, kindRate},
	{"eg_tcp_rr", "TCP request/response", dirOut, kindRR},
	{"eg_udp_rr", "UDP request/response", dirOut, kindRR},
	{"eg_http_ka", "HTTP, kept-alive", dirOut, kindRR},
	{"eg_http_new", "HTTP, new connection each", dirOut, kindRR},
	{"eg_tcp_tput", "TCP throughput (iperf3)", dirOut, kindTput},
	{"eg_udp_rate", "UDP fixed rate (iperf3)", dirOut, kindRate},
	{"c2c_tcp_rr", "TCP request/response", dirC2C, kindRR},
	{"c2c_udp_rr", "UDP request/response", dirC2C, kindRR},
	{"c2c_tcp_tput", "TCP throughput (iperf3)", dirC2C, kindTput},
	{"c2c_udp_rate", "UDP fixed rate (iperf3)", dirC2C, kindRate},
	{"flows_1", "1 flow", dirUDP, kindScale},
	{"flows_100", "100 flows", dirUDP, kindScale},
	{"flows_1000", "1,000 flows", dirUDP, kindScale},
	{"flows_10000", "10,000 flows", dirUDP, kindScale},
	{"flows_long", "most flows, revalidation 60 s", dirUDP, kindScale},
	{"memory", "memory per cached flow", "10,000 UDP flows", kindOne},
	{"handshake", "new TCP connection", "ext -> published port, TCP", kindOne},
	{"offload", "flowtable offload check", "conntrack -L", kindOne},
}

var modeOrder = []string{"native", "bridge-only", "docker", "flowtable", "scon"}

type metric struct{ id, label string }

func (m metric) unit(wl workload) string {
	switch m.id {
	case "avg_us", "p99_us":
		return "us"
	case "mbit":
		return "Mbit/s"
	case "loss_pct", "sirq_pct", "express_pct", "recv_pct":
		return "%"
	case "cpu_per", "sirq_per":
		if wl.kind == kindRR {
			return "us/transaction"
		}
		return "us/MB"
	case "busy_ns", "sirq_ns":
		return "ns/packet"
	case "pps":
		return "packets/s"
	case "bytes_per_flow", "obj_size":
		return "bytes"
	}
	return ""
}

var metricsByKind = map[string][]metric{
	kindRR: {{"avg_us", "latency avg"}, {"p99_us", "latency p99"},
		{"sirq_pct", "softirq share"}, {"cpu_per", "CPU per transaction"},
		{"sirq_per", "softirq per transaction"}, {"express", "scon express packets"}},
	kindTput: {{"mbit", "throughput"}, {"sirq_pct", "softirq share"},
		{"cpu_per", "CPU per MB"}, {"sirq_per", "softirq per MB"},
		{"express", "scon express packets"}},
	kindRate: {{"mbit", "received"}, {"loss_pct", "loss"},
		{"sirq_pct", "softirq share"}, {"cpu_per", "CPU per MB"},
		{"sirq_per", "softirq per MB"}, {"express", "scon express packets"}},
	kindScale: {{"busy_ns", "CPU per packet"}, {"sirq_ns", "softirq per packet"},
		{"pps", "packets sent"}, {"recv_pct", "received"},
		{"express_pct", "on the express path"}},
	kindOne: {{"bytes_per_flow", "memory per flow (slab delta / flows)"},
		{"obj_size", "scon_flow object size (slabinfo)"},
		{"flows", "flows cached when measured"},
		{"first_express", "first express packet after the handshake (#)"},
		{"handshake_pkts", "packets of the handshake"},
		{"entries", "[OFFLOAD] conntrack entries"}},
}

func metricsOf(wl workload) []metric { return metricsByKind[wl.kind] }

// workloads lists the catalogue's workloads that have figures.
func (r *results) workloads() []workload {
	seen := map[string]bool{}
	for k := range r.vals {
		seen[k.workload] = true
	}
	var wls []workload
	for _, wl := range catalog {
		if seen[wl.id] {
			wls = append(wls, wl)
		}
	}
	return wls
}

func (r *results) modesOf(workload string) []string {
	var modes []string
	for _, mode := range modeOrder {
		for k := range r.vals {
			if k.mode == mode && k.workload == workload {
				modes = append(modes, mode)
				break
			}
		}
	}
	return modes
}

// base is the mode a workload's scon figures are held against: native,
// or for container-to-container traffic the bridge without br_netfilter.
func base(wl workload) string {
	if wl.dir == dirC2C {
		return "bridge-only"
	}
	return "native"
}

func cell(s stat, ok bool) string {
	if !ok {
		return "-"
	}
	if s.runs == 1 || s.min == s.max {
		return short(s.med)
	}
	return fmt.Sprintf("%s (%s-%s)", short(s.med), short(s.min), short(s.max))
}

func short(v float64) string {
	switch {
	case v >= 100 || v <= -100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10 || v <= -10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func (r *results) ratioCell(ma, mb, workload, metric string) string {
	if v, ok := r.ratio(ma, mb, workload, metric); ok {
		return fmt.Sprintf("%.2fx", v)
	}
	return "-"
}

func (r *results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# scon benchmark\n\n%s\n\n", r.stamp())
	for _, n := range r.meta["note"] {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	fmt.Fprintf(&b, "\nEach cell: median of the runs (min-max). QEMU/TCG guest with 2 vCPUs: compare ratios within this run, not absolute figures.\n")
	sections := []struct{ title, dir string }{
		{"Outside peer to a published port (DNAT)", dirIn},
		{"Container to the outside (MASQUERADE)", dirOut},
		{"Container to container on docker0 (br_netfilter on; bridge-only = off)", dirC2C},
		{"Scale: N concurrent UDP flows (docker: the same traffic without scon)", dirUDP},
	}
	for _, s := range sections {
		r.section(&b, s.title, s.dir)
	}
	r.singles(&b)
	r.ratios(&b)
	r.verdicts(&b)
	return b.String()
}

func (r *results) section(b *strings.Builder, title, dir string) {
	var wls []workload
	for _, wl := range r.workloads() {
		if wl.dir == dir {
			wls = append(wls, wl)
		}
	}
	if len(wls) == 0 {
		return
	}
	modes := r.modesOf(wls[0].id)
	for _, wl := range wls[1:] {
		for _, m := range r.modesOf(wl.id) {
			if !contains(modes, m) {
				modes = append(modes, m)
			}
		}
	}
	modes = ordered(modes)
	fmt.Fprintf(b, "\n## %s\n\n| workload | metric | unit |", title)
	for _, m := range modes {
		fmt.Fprintf(b, " %s |", m)
	}
	bs := base(wls[0])
	ratioModes := []string{}
	for _, m := range []string{bs, "docker", "flowtable"} {
		if contains(modes, m) && m != "scon" && contains(modes, "scon") {
			ratioModes = append(ratioModes, m)
			fmt.Fprintf(b, " scon/%s |", m)
		}
	}
	b.WriteString("\n|---|---|---|")
	b.WriteString(strings.Repeat("---|", len(modes)+len(ratioModes)))
	b.WriteString("\n")
	for _, wl := range wls {
		label := wl.label
		for _, m := range metricsOf(wl) {
			if !r.has(wl.id, m.id) {
				continue
			}
			fmt.Fprintf(b, "| %s | %s | %s |", label, m.label, m.unit(wl))
			label = ""
			for _, mode := range modes {
				s, ok := r.get(mode, wl.id, m.id)
				fmt.Fprintf(b, " %s |", cell(s, ok))
			}
			for _, rm := range ratioModes {
				if m.id == "express" {
					b.WriteString(" |")
					continue
				}
				fmt.Fprintf(b, " %s |", r.ratioCell("scon", rm, wl.id, m.id))
			}
			b.WriteString("\n")
		}
	}
	if dir == dirUDP {
		r.scaleRatios(b)
	}
}

// scaleRatios: how the per-packet CPU grows with the flows, for scon and
// for docker (the same traffic without scon), whose growth is the
// generator's and the kernel's own.
func (r *results) scaleRatios(b *strings.Builder) {
	for _, mode := range []string{"scon", "docker"} {
		line := ""
		for _, n := range []struct{ id, label string }{
			{"100", "100 flows"}, {"1000", "1,000 flows"}, {"10000", "10,000 flows"},
			{"long", "most flows with revalidation 60 s"},
		} {
			if v, ok := r.scaleRatio(mode, n.id); ok {
				line += fmt.Sprintf(" %s %.2fx;", n.label, v)
			}
		}
		if line != "" {
			fmt.Fprintf(b, "\nPer-packet CPU relative to 1 flow, %s:%s\n", mode, line)
		}
	}
}

func (r *results) scaleRatio(mode, n string) (float64, bool) {
	a, ok1 := r.get(mode, "flows_"+n, "busy_ns")
	o, ok2 := r.get(mode, "flows_1", "busy_ns")
	if !ok1 || !ok2 || o.med == 0 {
		return 0, false
	}
	return a.med / o.med, true
}

// singles: the one-figure workloads (memory, handshake, offload check).
func (r *results) singles(b *strings.Builder) {
	var rows []string
	for _, wl := range r.workloads() {
		if wl.kind != kindOne {
			continue
		}
		for _, m := range metricsOf(wl) {
			for _, mode := range r.modesOf(wl.id) {
				if s, ok := r.get(mode, wl.id, m.id); ok {
					rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s |",
						wl.label, wl.dir, mode, m.label, cell(s, ok)))
				}
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\n## Single figures\n\n| what | traffic | mode | metric | value |\n|---|---|---|---|---|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n")
}

func (r *results) has(workload, metric string) bool {
	for k := range r.vals {
		if k.workload == workload && k.metric == metric {
			return true
		}
	}
	return false
}

// ratios: the headline figure of every workload, scon against each mode.
func (r *results) ratios(b *strings.Builder) {
	var rows []string
	for _, wl := range r.workloads() {
		if wl.kind == kindScale || wl.kind == kindOne {
			continue
		}
		for _, mid := range []string{headline(wl), "sirq_per", "cpu_per"} {
			row := fmt.Sprintf("| %s %s | %s |", wl.id, mid, mid2unit(wl, mid))
			for _, m := range []string{base(wl), "docker", "flowtable"} {
				row += " " + r.ratioCell("scon", m, wl.id, mid) + " |"
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\n## Ratios (scon / mode, medians; native = bridge-only for c2c)\n\n")
	b.WriteString("| figure | unit | scon/native | scon/docker | scon/flowtable |\n|---|---|---|---|---|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n")
}

func headline(wl workload) string {
	if wl.kind == kindRR {
		return "avg_us"
	}
	return "mbit"
}

func mid2unit(wl workload, id string) string { return metric{id: id}.unit(wl) }

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func ordered(modes []string) []string {
	var out []string
	for _, m := range modeOrder {
		if contains(modes, m) {
			out = append(out, m)
		}
	}
	return out
}
