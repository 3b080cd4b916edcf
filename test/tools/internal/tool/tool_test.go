package tool

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    Latency
	}{
		{"one", []time.Duration{5 * time.Microsecond}, Latency{Avg: 5, P50: 5, P99: 5, Max: 5}},
		{"unsorted", us(3, 1, 2, 4), Latency{Avg: 2.5, P50: 2, P99: 4, Max: 4}},
		{"p99 of 200", us(seq(200)...), Latency{Avg: 100.5, P50: 100, P99: 198, Max: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.samples); got != tt.want {
				t.Errorf("Summarize() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func us(v ...int) []time.Duration {
	var d []time.Duration
	for _, x := range v {
		d = append(d, time.Duration(x)*time.Microsecond)
	}
	return d
}

func seq(n int) []int {
	var v []int
	for i := 1; i <= n; i++ {
		v = append(v, i)
	}
	return v
}
