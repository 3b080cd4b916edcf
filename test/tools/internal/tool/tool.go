// Package tool holds what the test tools share: a command line of
// subcommands and latency statistics.
package tool

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// Command runs one subcommand with the arguments that follow its name.
type Command func(args []string) error

// Main runs the subcommand os.Args[1] names. A missing or unknown one
// prints the usage and exits 2; a failing one prints "name: error" and
// exits 1.
func Main(name string, cmds map[string]Command) {
	if len(os.Args) < 2 || cmds[os.Args[1]] == nil {
		fmt.Fprintf(os.Stderr, "usage: %s %s [flags]\n", name, strings.Join(names(cmds), "|"))
		os.Exit(2)
	}
	if err := cmds[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func names(cmds map[string]Command) []string {
	var n []string
	for k := range cmds {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Latency is a summary of round-trip samples, in microseconds.
type Latency struct {
	Avg           float64
	P50, P99, Max int64
}

// Summarize sorts samples and returns their mean, median, 99th percentile
// and maximum. It needs at least one sample.
func Summarize(samples []time.Duration) Latency {
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	n := len(samples)
	return Latency{
		Avg: float64(sum.Nanoseconds()) / float64(n) / 1e3,
		P50: samples[(n-1)/2].Microseconds(),
		P99: samples[(n*99+99)/100-1].Microseconds(),
		Max: samples[n-1].Microseconds(),
	}
}
