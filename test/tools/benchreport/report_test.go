package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	r := &results{vals: map[key][]float64{
		{"scon", "in_tcp_rr", "avg_us"}: {30, 10, 20},
		{"scon", "eg_tcp_rr", "avg_us"}: {40, 10, 20, 30},
	}}
	tests := []struct {
		wl   string
		want stat
	}{
		{"in_tcp_rr", stat{med: 20, min: 10, max: 30, runs: 3}},
		{"eg_tcp_rr", stat{med: 25, min: 10, max: 40, runs: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.wl, func(t *testing.T) {
			got, ok := r.get("scon", tt.wl, "avg_us")
			if !ok || got != tt.want {
				t.Errorf("get = %+v, %v, want %+v", got, ok, tt.want)
			}
		})
	}
	if _, ok := r.get("docker", "in_tcp_rr", "avg_us"); ok {
		t.Error("get of a mode without figures reports data")
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		name   string
		checks []check
		want   string
	}{
		{"no data", []check{{ok: false}}, "NO DATA"},
		{"all pass", []check{{ok: true, pass: true}, {ok: false}}, "PASS"},
		{"one miss", []check{{ok: true, pass: true}, {ok: true, pass: false}}, "MISS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (target{checks: tt.checks}).verdict(); got != tt.want {
				t.Errorf("verdict = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRun renders a small raw file and checks the ratio and the verdict
// the table states for it.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.csv")
	lines := []string{
		"native,in_tcp_rr,avg_us,1,100", "native,in_tcp_rr,avg_us,2,110", "native,in_tcp_rr,avg_us,3,90",
		"scon,in_tcp_rr,avg_us,1,104", "scon,in_tcp_rr,avg_us,2,103", "scon,in_tcp_rr,avg_us,3,200",
		"scon,in_tcp_rr,express,1,", // a run without a figure is skipped
	}
	if err := os.WriteFile(raw, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(dir, "meta.txt")
	if err := os.WriteFile(meta, []byte("kernel=6.1\ndate=today\ncommand=make bench\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	if err := run(raw, meta, out, "bench"); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "bench.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"kernel 6.1, today, `make bench`",
		"| 100 (90.0-110) | 104 (103-200) | 1.04x |",
		"| round trip (avg) <= 1.05x native | PASS | in_tcp_rr 1.04x,",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("bench.md lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"bench.csv", "bench.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty (%v)", f, err)
		}
	}
}
