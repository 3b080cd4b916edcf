package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
)

// The chart: one panel per kind of figure, one group of bars per
// workload, one bar per mode, each the mode's median relative to the
// workload's baseline (native, bridge-only, or 1 flow), with a whisker from
// the minimum to the maximum run.

var modeColors = map[string]color.RGBA{
	"native":      {0x70, 0x70, 0x70, 0xff},
	"bridge-only": {0xa0, 0xa0, 0xa0, 0xff},
	"docker":      {0xd0, 0x40, 0x30, 0xff},
	"flowtable":   {0x30, 0x70, 0xd0, 0xff},
	"scon":        {0x20, 0xa0, 0x40, 0xff},
	"1 flow":      {0x70, 0x70, 0x70, 0xff},
	"100":         {0x90, 0xb0, 0x40, 0xff},
	"1000":        {0x40, 0xa0, 0x90, 0xff},
	"10000":       {0x20, 0xa0, 0x40, 0xff},
}

type bar struct {
	name          string
	rel, min, max float64
}

type group struct {
	label string
	bars  []bar
}

type panel struct {
	title  string
	groups []group
}

const (
	chartW   = 1100
	labelW   = 250
	barH     = 11
	barGap   = 2
	groupGap = 10
	plotL    = labelW + 10
	plotR    = chartW - 90
)

func (r *results) panels() []panel {
	lat := panel{title: "latency avg relative to native / bridge-only (lower is better)"}
	tput := panel{title: "throughput relative to native / bridge-only (higher is better)"}
	sirq := panel{title: "softirq CPU per transaction or MB relative to native / bridge-only (lower is better)"}
	for _, wl := range r.workloads() {
		switch wl.kind {
		case kindRR:
			lat.add(r.group(wl, "avg_us"))
			sirq.add(r.group(wl, "sirq_per"))
		case kindTput, kindRate:
			tput.add(r.group(wl, "mbit"))
			sirq.add(r.group(wl, "sirq_per"))
		}
	}
	scale := panel{title: "scon: CPU per packet relative to 1 flow (lower is better)"}
	one, ok := r.get("scon", "flows_1", "busy_ns")
	if ok && one.med > 0 {
		g := group{label: "CPU ns/packet"}
		for _, n := range []string{"1", "100", "1000", "10000"} {
			if s, ok := r.get("scon", "flows_"+n, "busy_ns"); ok {
				name := n
				if n == "1" {
					name = "1 flow"
				}
				g.bars = append(g.bars, bar{name, s.med / one.med, s.min / one.med, s.max / one.med})
			}
		}
		scale.add(g)
	}
	var ps []panel
	for _, p := range []panel{lat, tput, sirq, scale} {
		if len(p.groups) > 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

func (p *panel) add(g group) {
	if len(g.bars) > 0 {
		p.groups = append(p.groups, g)
	}
}

func (r *results) group(wl workload, metric string) group {
	g := group{label: wl.id}
	b, ok := r.get(base(wl), wl.id, metric)
	if !ok || b.med == 0 {
		return group{}
	}
	for _, mode := range r.modesOf(wl.id) {
		if s, ok := r.get(mode, wl.id, metric); ok {
			g.bars = append(g.bars, bar{mode, s.med / b.med, s.min / b.med, s.max / b.med})
		}
	}
	return g
}

func (r *results) writePNG(path string) error {
	ps := r.panels()
	h := 110
	for _, p := range ps {
		h += 40
		for _, g := range p.groups {
			h += len(g.bars)*(barH+barGap) + groupGap
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, chartW, h))
	fill(img, 0, 0, chartW, h, color.White)
	black := color.RGBA{0, 0, 0, 0xff}
	drawText(img, 10, 10, 2, "scon benchmark", black)
	stamp := strings.ReplaceAll(r.stamp(), "`", "")
	drawText(img, 10, 34, 1, clip(stamp, (chartW-20)/6), black)
	x := 10
	for _, m := range []string{"native", "bridge-only", "docker", "flowtable", "scon"} {
		fill(img, x, 52, 10, 10, modeColors[m])
		x = drawText(img, x+14, 54, 1, m, black) + 16
	}
	drawText(img, x, 54, 1, "whiskers: min-max of the runs; median bars; 2 vCPU QEMU/TCG guest", black)
	y := 80
	for _, p := range ps {
		y = drawPanel(img, p, y)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func drawPanel(img *image.RGBA, p panel, y int) int {
	black := color.RGBA{0, 0, 0, 0xff}
	grey := color.RGBA{0xc0, 0xc0, 0xc0, 0xff}
	drawText(img, 10, y+8, 2, p.title, black)
	y += 46
	top := 0.0
	for _, g := range p.groups {
		for _, b := range g.bars {
			top = max(top, b.max, b.rel)
		}
	}
	top = min(max(top*1.05, 1.2), 4)
	px := func(v float64) int { return plotL + int(min(v, top)/top*float64(plotR-plotL)) }
	y0 := y
	for _, g := range p.groups {
		drawText(img, 10, y+1, 1, g.label, black)
		for _, b := range g.bars {
			fill(img, plotL, y, px(b.rel)-plotL, barH, modeColors[b.name])
			wy := y + barH/2
			fill(img, px(b.min), wy, max(px(b.max)-px(b.min), 1), 1, black)
			fill(img, px(b.min), wy-2, 1, 5, black)
			fill(img, px(b.max), wy-2, 1, 5, black)
			label := fmt.Sprintf("%.2f", b.rel)
			if b.rel > top {
				label = ">" + label
			}
			drawText(img, px(max(b.rel, b.max))+4, y+2, 1, label, black)
			y += barH + barGap
		}
		y += groupGap
	}
	for _, v := range []float64{0.5, 1, 1.5, 2, 3, 4} {
		if v > top {
			break
		}
		c := grey
		if v == 1 {
			c = black
		}
		fill(img, px(v), y0-4, 1, y-y0, c)
		drawText(img, px(v)-9, y0-12, 1, fmt.Sprintf("%.1f", v), black)
	}
	return y + 6
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
