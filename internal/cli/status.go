package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"scon/internal/sconnl"
)

func (s *sconctl) statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Aliases:   []string{"st"},
		Usage:     "show the configuration, attached devices and counters",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: jsonFlag, Usage: "print one JSON object"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return s.withClient(func(client Client) error {
				st, err := client.Status()
				if err != nil {
					return err
				}
				if c.Bool(jsonFlag) {
					return writeJSON(s.stdout, statusView(st))
				}
				return printStatus(s.stdout, st)
			})
		},
	}
}

// printStatus writes the human form: settings, then a device table and a
// counter table, each block aligned on its own.
func printStatus(w io.Writer, st sconnl.Status) error {
	if err := printSettings(w, st); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := printDevices(w, st.Devices); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return printCounters(w, st.Counters)
}

func printSettings(w io.Writer, st sconnl.Status) error {
	t := newTable(w)
	fmt.Fprintf(t, "version:\t%s (netlink protocol %d)\n", st.Version, st.ProtoVersion)
	fmt.Fprintf(t, "enabled:\t%s\n", yesNo(st.Enabled))
	fmt.Fprintf(t, "flows:\t%d of %d\n", st.FlowCount, st.MaxFlows)
	fmt.Fprintf(t, "revalidate interval:\t%v\n", st.RevalidateInterval)
	fmt.Fprintf(t, "idle timeout:\t%v\n", st.IdleTimeout)
	fmt.Fprintf(t, "protocols:\t%s\n", listOrNone(st.Protocols.Names()))
	fmt.Fprintf(t, "bridges:\t%s\n", listOrNone(st.Bridges))
	fmt.Fprintf(t, "uplinks:\t%s\n", listOrNone(st.Uplinks))
	// One exclusion per line, the label on the first only.
	label := "excludes:"
	if len(st.Excludes) == 0 {
		fmt.Fprintf(t, "%s\tnone\n", label)
	}
	for _, ex := range st.Excludes {
		fmt.Fprintf(t, "%s\t%s\n", label, formatExclude(ex))
		label = ""
	}
	return t.Flush()
}

func printDevices(w io.Writer, devices []sconnl.Device) error {
	t := newTable(w)
	fmt.Fprintln(t, "DEVICE\tROLE\tMASTER\tIFINDEX")
	for _, dev := range devices {
		fmt.Fprintf(t, "%s\t%s\t%s\t%d\n", dev.Name, dev.Role, dashIfEmpty(dev.Master), dev.Ifindex)
	}
	return t.Flush()
}

// printCounters lists every counter, zero or not, in wire order.
func printCounters(w io.Writer, counters []uint64) error {
	t := newTable(w)
	fmt.Fprintln(t, "NAME\tVALUE")
	for i, v := range allCounters(counters) {
		fmt.Fprintf(t, "%s\t%d\n", sconnl.Counter(i), v)
	}
	return t.Flush()
}

// allCounters returns counters padded with zeros to every counter this
// build knows, so that none is left out of the output.
func allCounters(counters []uint64) []uint64 {
	padded := make([]uint64, max(len(counters), sconnl.NumCounters))
	copy(padded, counters)
	return padded
}

// formatExclude returns an exclusion as "CIDR [PROTO] [port PORT]".
func formatExclude(ex sconnl.Exclude) string {
	text := ex.Prefix.String()
	if ex.Proto != 0 {
		text += " " + ex.Proto.String()
	}
	if ex.Port != 0 {
		text += " port " + strconv.Itoa(int(ex.Port))
	}
	return text
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// statusJSON is the --json form of status. Its field names are a stable
// interface: add fields, never rename them. Lists are never null.
type statusJSON struct {
	Version       string            `json:"version"`
	ProtoVersion  uint32            `json:"proto_version"`
	Enabled       bool              `json:"enabled"`
	FlowCount     uint32            `json:"flow_count"`
	MaxFlows      uint32            `json:"max_flows"`
	RevalidateMS  int64             `json:"revalidate_ms"`
	IdleTimeoutMS int64             `json:"idle_timeout_ms"`
	Protocols     []string          `json:"protocols"`
	Bridges       []string          `json:"bridges"`
	Uplinks       []string          `json:"uplinks"`
	Excludes      []excludeJSON     `json:"excludes"`
	Devices       []deviceJSON      `json:"devices"`
	Counters      map[string]uint64 `json:"counters"`
}

type excludeJSON struct {
	CIDR  string `json:"cidr"`
	Port  uint16 `json:"port"`  // 0: any
	Proto string `json:"proto"` // "tcp", "udp" or "any"
}

type deviceJSON struct {
	Ifindex uint32 `json:"ifindex"`
	Name    string `json:"name"`
	Role    string `json:"role"`   // "uplink" or "bridge-port"
	Master  string `json:"master"` // "" for an uplink
}

func statusView(st sconnl.Status) statusJSON {
	view := statusJSON{
		Version:       st.Version,
		ProtoVersion:  st.ProtoVersion,
		Enabled:       st.Enabled,
		FlowCount:     st.FlowCount,
		MaxFlows:      st.MaxFlows,
		RevalidateMS:  st.RevalidateInterval.Milliseconds(),
		IdleTimeoutMS: st.IdleTimeout.Milliseconds(),
		Protocols:     st.Protocols.Names(),
		Bridges:       append([]string{}, st.Bridges...),
		Uplinks:       append([]string{}, st.Uplinks...),
		Excludes:      []excludeJSON{},
		Devices:       []deviceJSON{},
		Counters:      map[string]uint64{},
	}
	for _, ex := range st.Excludes {
		view.Excludes = append(view.Excludes, excludeJSON{ex.Prefix.String(), ex.Port, ex.Proto.String()})
	}
	for _, dev := range st.Devices {
		view.Devices = append(view.Devices, deviceJSON{dev.Ifindex, dev.Name, dev.Role.String(), dev.Master})
	}
	for i, v := range allCounters(st.Counters) {
		view.Counters[sconnl.Counter(i).String()] = v
	}
	return view
}
