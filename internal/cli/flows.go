package cli

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"scon/internal/sconnl"
)

func (s *sconctl) flowsCommand() *cli.Command {
	return &cli.Command{
		Name:      "flows",
		Aliases:   []string{"ls"},
		Usage:     "list the cached flows, one row per direction",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: jsonFlag, Usage: "print a JSON array"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return s.withClient(func(client Client) error {
				flows, err := client.Flows()
				if err != nil {
					return err
				}
				if c.Bool(jsonFlag) {
					return writeJSON(s.stdout, flowsView(flows))
				}
				return printFlows(s.stdout, flows)
			})
		},
	}
}

// printFlows writes the flow table. Ports and counts are plain numbers so
// that the columns stay easy to compare and sort.
func printFlows(w io.Writer, flows []sconnl.Flow) error {
	t := newTable(w)
	fmt.Fprintln(t, "PROTO\tDIR\tSRC\tDST\tSPORT\tDPORT\tIN\tOUT\tNAT\tSTATE\tPACKETS\tBYTES\tAGE")
	for _, f := range flows {
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n",
			f.Proto, shortDir(f.Dir), dashIfEmpty(addrText(f.Src)), dashIfEmpty(addrText(f.Dst)), f.SrcPort, f.DstPort,
			dashIfEmpty(f.InDev), dashIfEmpty(f.OutDev), natText(f), stateText(f),
			f.Packets, f.Bytes, ageText(f.Age))
	}
	return t.Flush()
}

func shortDir(d sconnl.Direction) string {
	if d == sconnl.DirOriginal {
		return "orig"
	}
	return d.String()
}

// natText shows how the packet leaves: "src A:P", "dst A:P", both, or
// "-" when the tuple is not rewritten.
func natText(f sconnl.Flow) string {
	var parts []string
	if f.NATSrc.IsValid() && (f.NATSrc != f.Src || f.NATSrcPort != f.SrcPort) {
		parts = append(parts, "src "+netip.AddrPortFrom(f.NATSrc, f.NATSrcPort).String())
	}
	if f.NATDst.IsValid() && (f.NATDst != f.Dst || f.NATDstPort != f.DstPort) {
		parts = append(parts, "dst "+netip.AddrPortFrom(f.NATDst, f.NATDstPort).String())
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// stateText is "ready" or "not-ready", then "stale" and "routed" when
// they apply, comma-separated.
func stateText(f sconnl.Flow) string {
	state := []string{"not-ready"}
	if f.Ready() {
		state[0] = "ready"
	}
	if f.Stale() {
		state = append(state, "stale")
	}
	if f.Routed() {
		state = append(state, "routed")
	}
	return strings.Join(state, ",")
}

// ageText rounds an age for reading: milliseconds below a second, one
// decimal below a minute, whole seconds above.
func ageText(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	return d.Truncate(time.Second).String()
}

// addrText is the address, or "" for one the module did not send.
func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// flowJSON is the --json form of one flow direction. Its field names are
// a stable interface: add fields, never rename them.
type flowJSON struct {
	Proto      string `json:"proto"`
	Dir        string `json:"dir"`
	Src        string `json:"src"`
	Dst        string `json:"dst"`
	Sport      uint16 `json:"sport"`
	Dport      uint16 `json:"dport"`
	NATSrc     string `json:"nat_src"`
	NATDst     string `json:"nat_dst"`
	NATSport   uint16 `json:"nat_sport"`
	NATDport   uint16 `json:"nat_dport"`
	InIfindex  uint32 `json:"in_ifindex"`
	InDev      string `json:"in_dev"`
	OutIfindex uint32 `json:"out_ifindex"`
	OutDev     string `json:"out_dev"`
	MTU        uint32 `json:"mtu"`
	DstMAC     string `json:"dst_mac"`
	Packets    uint64 `json:"packets"`
	Bytes      uint64 `json:"bytes"`
	AgeMS      int64  `json:"age_ms"`
	IdleMS     int64  `json:"idle_ms"`
	Routed     bool   `json:"routed"`
	Ready      bool   `json:"ready"`
	Stale      bool   `json:"stale"`
}

// flowsView returns the JSON form of flows: an array, empty rather than
// null when nothing is cached.
func flowsView(flows []sconnl.Flow) []flowJSON {
	view := make([]flowJSON, 0, len(flows))
	for _, f := range flows {
		view = append(view, flowJSON{
			Proto:      f.Proto.String(),
			Dir:        f.Dir.String(),
			Src:        addrText(f.Src),
			Dst:        addrText(f.Dst),
			Sport:      f.SrcPort,
			Dport:      f.DstPort,
			NATSrc:     addrText(f.NATSrc),
			NATDst:     addrText(f.NATDst),
			NATSport:   f.NATSrcPort,
			NATDport:   f.NATDstPort,
			InIfindex:  f.InIfindex,
			InDev:      f.InDev,
			OutIfindex: f.OutIfindex,
			OutDev:     f.OutDev,
			MTU:        f.MTU,
			DstMAC:     f.DstMAC.String(),
			Packets:    f.Packets,
			Bytes:      f.Bytes,
			AgeMS:      f.Age.Milliseconds(),
			IdleMS:     f.Idle.Milliseconds(),
			Routed:     f.Routed(),
			Ready:      f.Ready(),
			Stale:      f.Stale(),
		})
	}
	return view
}
