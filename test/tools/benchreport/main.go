// Command benchreport turns the raw measurements of scripts/bench-guest.sh
// into the benchmark's results: a markdown table, a CSV and a PNG chart,
// each stamped with the kernel, the date and the command, and it prints
// the markdown (with the ratios and the PASS/MISS verdict per target of
// issue 3) on standard output.
//
//	benchreport -raw raw.csv -meta meta.txt -out bench/results [-name bench]
//
// raw.csv has one measurement per line: mode,workload,metric,run,value.
// meta.txt has key=value lines: kernel, date, command and notes (notes may
// repeat). Every figure reported is the median of its runs, with the
// minimum and maximum beside it.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

type key struct{ mode, workload, metric string }

// stat is one figure over its runs.
type stat struct {
	med, min, max float64
	runs          int
}

type results struct {
	vals map[key][]float64
	meta map[string][]string
}

func main() {
	raw := flag.String("raw", "", "raw measurements `file`")
	meta := flag.String("meta", "", "key=value `file` with kernel, date, command, notes")
	out := flag.String("out", "bench/results", "output `dir`")
	name := flag.String("name", "bench", "base `name` of the output files")
	flag.Parse()
	if err := run(*raw, *meta, *out, *name); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(raw, meta, out, name string) error {
	r, err := load(raw, meta)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	md := r.markdown()
	if err := os.WriteFile(filepath.Join(out, name+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	if err := r.writeCSV(filepath.Join(out, name+".csv")); err != nil {
		return err
	}
	if err := r.writePNG(filepath.Join(out, name+".png")); err != nil {
		return err
	}
	fmt.Print(md)
	return nil
}

func load(raw, meta string) (*results, error) {
	r := &results{vals: map[key][]float64{}, meta: map[string][]string{}}
	f, err := os.Open(raw)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.FieldsPerRecord = 5
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	for _, rec := range recs {
		v, err := strconv.ParseFloat(rec[4], 64)
		if err != nil {
			continue // a run that produced no number
		}
		k := key{rec[0], rec[1], rec[2]}
		r.vals[k] = append(r.vals[k], v)
	}
	if meta == "" {
		return r, nil
	}
	mf, err := os.Open(meta)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	sc := bufio.NewScanner(mf)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			r.meta[k] = append(r.meta[k], v)
		}
	}
	return r, sc.Err()
}

func (r *results) get(mode, workload, metric string) (stat, bool) {
	v := r.vals[key{mode, workload, metric}]
	if len(v) == 0 {
		return stat{}, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{med: med, min: s[0], max: s[len(s)-1], runs: len(s)}, true
}

// ratio is the median of a over the median of b.
func (r *results) ratio(ma, mb, workload, metric string) (float64, bool) {
	a, ok1 := r.get(ma, workload, metric)
	b, ok2 := r.get(mb, workload, metric)
	if !ok1 || !ok2 || b.med == 0 {
		return 0, false
	}
	return a.med / b.med, true
}

func (r *results) stamp() string {
	first := func(k string) string {
		if v := r.meta[k]; len(v) > 0 {
			return v[0]
		}
		return "?"
	}
	return fmt.Sprintf("kernel %s, %s, `%s`", first("kernel"), first("date"), first("command"))
}

func (r *results) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"# " + strings.ReplaceAll(r.stamp(), "`", "")})
	w.Write([]string{"workload", "direction", "metric", "unit", "mode", "median", "min", "max", "runs"})
	for _, wl := range r.workloads() {
		for _, m := range metricsOf(wl) {
			for _, mode := range r.modesOf(wl.id) {
				s, ok := r.get(mode, wl.id, m.id)
				if !ok {
					continue
				}
				w.Write([]string{wl.id, wl.dir, m.id, m.unit(wl), mode,
					num(s.med), num(s.min), num(s.max), strconv.Itoa(s.runs)})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
