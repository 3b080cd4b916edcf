package main

import (
	"fmt"
	"strings"
)

// A target of issue 3: each check compares one ratio (or figure) with a
// bound; the target passes when every check it has data for passes and it
// has data for at least one.
type target struct {
	name   string
	checks []check
}

type check struct {
	what  string
	value float64
	ok    bool // data present
	pass  bool
	unit  string // "x" for ratios
}

var (
	rttWorkloads  = []string{"in_tcp_rr", "in_udp_rr", "eg_tcp_rr", "eg_udp_rr", "in_http_ka", "eg_http_ka", "in_mqtt"}
	tputWorkloads = []string{"in_tcp_tput", "eg_tcp_tput", "in_udp_rate", "eg_udp_rate"}
	nsWorkloads   = []string{"in_tcp_rr", "in_udp_rr", "in_http_ka", "in_http_new", "in_mqtt", "in_tcp_tput", "in_udp_rate",
		"eg_tcp_rr", "eg_udp_rr", "eg_http_ka", "eg_http_new", "eg_tcp_tput", "eg_udp_rate"}
)

func (r *results) ratioCheck(workload, metric, against string, pass func(float64) bool) check {
	v, ok := r.ratio("scon", against, workload, metric)
	return check{what: workload, value: v, ok: ok, pass: ok && pass(v), unit: "x"}
}

func (r *results) targets() []target {
	le := func(b float64) func(float64) bool { return func(v float64) bool { return v <= b } }
	ge := func(b float64) func(float64) bool { return func(v float64) bool { return v >= b } }
	var ts []target
	add := func(name string, wls []string, metric, against string, pass func(float64) bool) {
		t := target{name: name}
		for _, wl := range wls {
			t.checks = append(t.checks, r.ratioCheck(wl, metric, against, pass))
		}
		ts = append(ts, t)
	}
	add("round trip (avg) <= 1.05x native", rttWorkloads, "avg_us", "native", le(1.05))
	add("throughput >= 0.95x native", tputWorkloads, "mbit", "native", ge(0.95))
	add("throughput >= 1.0x flowtable", tputWorkloads, "mbit", "flowtable", ge(1.0))
	add("softirq per MB/transaction <= 0.6x docker", nsWorkloads, "sirq_per", "docker", le(0.6))
	add("softirq per MB/transaction <= 1.0x flowtable", nsWorkloads, "sirq_per", "flowtable", le(1.0))

	c2c := target{name: "c2c within 1.05x bridge-only (latency, throughput)"}
	for _, wl := range []string{"c2c_tcp_rr", "c2c_udp_rr"} {
		c2c.checks = append(c2c.checks, r.ratioCheck(wl, "avg_us", "bridge-only", le(1.05)))
	}
	for _, wl := range []string{"c2c_tcp_tput", "c2c_udp_rate"} {
		c2c.checks = append(c2c.checks, r.ratioCheck(wl, "mbit", "bridge-only", ge(1/1.05)))
	}
	ts = append(ts, c2c)

	v, ok := r.scaleRatio("scon", "10000")
	ts = append(ts, target{name: "per-packet CPU at 10,000 flows <= 1.10x 1 flow",
		checks: []check{{what: "flows_10000/flows_1", value: v, ok: ok, pass: ok && v <= 1.10, unit: "x"}}})
	mem, ok := r.get("scon", "memory", "bytes_per_flow")
	ts = append(ts, target{name: "memory per cached flow <= 256 bytes",
		checks: []check{{what: "bytes_per_flow", value: mem.med, ok: ok, pass: ok && mem.med <= 256, unit: " B"}}})
	hs, ok := r.get("scon", "handshake", "first_express")
	ts = append(ts, target{name: "express by the 3rd packet after the handshake",
		checks: []check{{what: "first express packet #", value: hs.med, ok: ok, pass: ok && hs.med <= 3}}})
	return ts
}

func (t target) verdict() string {
	seen, pass := 0, true
	for _, c := range t.checks {
		if c.ok {
			seen++
			pass = pass && c.pass
		}
	}
	switch {
	case seen == 0:
		return "NO DATA"
	case pass:
		return "PASS"
	}
	return "MISS"
}

func (r *results) verdicts(b *strings.Builder) {
	b.WriteString("\n## Targets of issue 3\n\n| target | verdict | checks (scon figure; * = miss) |\n|---|---|---|\n")
	for _, t := range r.targets() {
		var parts []string
		for _, c := range t.checks {
			if !c.ok {
				parts = append(parts, c.what+" -")
				continue
			}
			mark := ""
			if !c.pass {
				mark = "*"
			}
			parts = append(parts, fmt.Sprintf("%s %s%s%s", c.what, short(c.value), c.unit, mark))
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", t.name, t.verdict(), strings.Join(parts, ", "))
	}
}
