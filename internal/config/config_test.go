package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"scon/internal/sconnl"
)

var prefixComparer = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

// withDefaults returns the defaults changed by edit, as a Config.
func withDefaults(edit func(s *settings)) sconnl.Config {
	s := defaults()
	if edit != nil {
		edit(&s)
	}
	return s.config()
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want sconnl.Config
	}{
		{"empty file", "", withDefaults(nil)},
		{"only comments", "# nothing\n", withDefaults(nil)},
		{"disabled", "enabled: false\n", withDefaults(func(s *settings) { s.enabled = false })},
		{
			name: "lists cleared",
			yaml: "bridges: []\nprotocols: []\nexclude: []\n",
			want: withDefaults(func(s *settings) {
				s.bridges, s.protocols, s.excludes = []string{}, 0, []sconnl.Exclude{}
			}),
		},
		{
			name: "limits",
			yaml: "max_flows: 1\nrevalidate_interval: 10ms\nidle_timeout: 1h\n",
			want: withDefaults(func(s *settings) {
				s.maxFlows, s.revalidate, s.idleTimeout = 1, 10*time.Millisecond, time.Hour
			}),
		},
		{
			name: "device name of 15 bytes",
			yaml: "uplinks: [abcdefghijklmno]\n",
			want: withDefaults(func(s *settings) { s.uplinks = []string{"abcdefghijklmno"} }),
		},
		{
			name: "exclusion of a host, any port",
			yaml: "exclude:\n  - cidr: 10.1.2.3/32\n    proto: udp\n",
			want: withDefaults(func(s *settings) {
				s.excludes = []sconnl.Exclude{{Prefix: netip.MustParsePrefix("10.1.2.3/32"), Proto: sconnl.IPProtoUDP}}
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("scon.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, prefixComparer); diff != "" {
				t.Errorf("Config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the whole error: file, line, key and reason
	}{
		{"unknown key", "enabled: true\nmax_flow: 10\n",
			"f.yaml:2: max_flow: unknown key"},
		{"too many uplinks", "uplinks:\n" + manyDevices(33),
			"f.yaml:34: uplinks[32]: too many devices: at most 32 per list"},
		{"too many exclusions", "exclude:\n" + manyExcludes(65),
			"f.yaml:66: exclude[64]: too many exclusions: at most 64"},
		{"duplicate key", "max_flows: 10\nenabled: true\nmax_flows: 20\n",
			"f.yaml:3: max_flows: duplicate key (first at line 1)"},
		{"not a mapping", "- enabled\n",
			"f.yaml:1: top level: expected a mapping of settings, got a list"},
		{"bool as word", "enabled: yes\n",
			`f.yaml:1: enabled: expected true or false, got "yes"`},
		{"bool as number", "\nenabled: 1\n",
			`f.yaml:2: enabled: expected true or false, got "1"`},
		{"max_flows zero", "max_flows: 0\n",
			"f.yaml:1: max_flows: 0 is out of range 1..1048576"},
		{"max_flows too big", "max_flows: 1048577\n",
			"f.yaml:1: max_flows: 1048577 is out of range 1..1048576"},
		{"max_flows huge", "max_flows: 99999999999999999999999\n",
			"f.yaml:1: max_flows: 99999999999999999999999 is out of range 1..1048576"},
		{"max_flows string", "max_flows: many\n",
			`f.yaml:1: max_flows: expected a whole number, got "many"`},
		{"max_flows float", "max_flows: 1.5\n",
			`f.yaml:1: max_flows: expected a whole number, got "1.5"`},
		{"max_flows empty", "max_flows:\n",
			"f.yaml:1: max_flows: expected a whole number, got nothing"},
		{"duration without unit", "revalidate_interval: 100\n",
			`f.yaml:1: revalidate_interval: expected a duration such as 10ms, got "100"`},
		{"bad duration", "idle_timeout: 30 seconds\n",
			`f.yaml:1: idle_timeout: "30 seconds" is not a duration such as 1s`},
		{"revalidate too short", "revalidate_interval: 5ms\n",
			"f.yaml:1: revalidate_interval: 5ms is out of range 10ms..1m0s"},
		{"idle too long", "idle_timeout: 2h\n",
			"f.yaml:1: idle_timeout: 2h0m0s is out of range 1s..1h0m0s"},
		{"sub-millisecond", "revalidate_interval: 10500us\n",
			"f.yaml:1: revalidate_interval: 10.5ms is not a whole number of milliseconds"},
		{"bridges scalar", "bridges: docker0\n",
			`f.yaml:1: bridges: expected a list of device names, got "docker0"`},
		{"bridges null", "bridges:\n",
			"f.yaml:1: bridges: expected a list of device names, got nothing (write [] for none)"},
		{"device name too long", "uplinks:\n  - eth0\n  - abcdefghijklmnop\n",
			`f.yaml:3: uplinks[1]: device name "abcdefghijklmnop" is 16 bytes, longer than 15`},
		{"device name with slash", "bridges: [br/0]\n",
			`f.yaml:1: bridges[0]: device name "br/0" contains '/'`},
		{"device name with space", "bridges: ['br 0']\n",
			`f.yaml:1: bridges[0]: device name "br 0" contains ' '`},
		{"device name with NUL", "bridges: [\"br\\0x\"]\n",
			`f.yaml:1: bridges[0]: device name "br\x00x" contains '\x00'`},
		{"device name with byte 0xa0", "uplinks: [w\u00e0n]\n",
			`f.yaml:1: uplinks[0]: device name "wàn" contains the byte 0xa0, a space to the kernel`},
		{"line of a character YAML refuses", "enabled: true\nuplinks: [\"a\x01\"]\n",
			"f.yaml:2: YAML syntax: control characters are not allowed"},
		{"device name empty", "bridges: ['']\n",
			"f.yaml:1: bridges[0]: empty device name"},
		{"device name number", "bridges: [0]\n",
			`f.yaml:1: bridges[0]: expected a device name, got "0"`},
		{"duplicate device", "bridges: [br0, br0]\n",
			"f.yaml:1: bridges[1]: br0 is already listed as bridges[0] at line 1"},
		{"bridge and uplink", "bridges: [br0]\nuplinks:\n  - eth0\n  - br0\n",
			"f.yaml:4: uplinks[1]: br0 is already listed as bridges[0] at line 1"},
		{"default bridge as uplink", "uplinks: [eth0, docker0]\n",
			"f.yaml:1: uplinks[1]: docker0 is a bridge by default; set bridges to use it as an uplink"},
		{"unknown protocol", "protocols: [tcp, icmp]\n",
			`f.yaml:1: protocols[1]: unknown protocol "icmp" (want tcp or udp)`},
		{"protocol twice", "protocols: [udp, udp]\n",
			"f.yaml:1: protocols[1]: udp is listed twice"},
		{"protocol upper case", "protocols: [TCP]\n",
			`f.yaml:1: protocols[0]: unknown protocol "TCP" (want tcp or udp)`},
		{"exclude not a list", "exclude:\n  cidr: 10.0.0.0/8\n",
			"f.yaml:2: exclude: expected a list of exclusions, got a mapping"},
		{"exclude item scalar", "exclude: [10.0.0.0/8]\n",
			`f.yaml:1: exclude[0]: expected a mapping with cidr, port and proto, got "10.0.0.0/8"`},
		{"exclude without cidr", "exclude:\n  - cidr: 10.0.0.0/8\n  - port: 22\n",
			"f.yaml:3: exclude[1].cidr: required"},
		{"exclude bad cidr", "exclude:\n  - cidr: 10.0.0.0/33\n",
			`f.yaml:2: exclude[0].cidr: "10.0.0.0/33" is not an IPv4 CIDR such as 192.168.0.0/16`},
		{"exclude bare address", "exclude:\n  - cidr: 10.0.0.1\n",
			`f.yaml:2: exclude[0].cidr: "10.0.0.1" is not an IPv4 CIDR such as 192.168.0.0/16`},
		{"exclude IPv6", "exclude:\n  - cidr: fd00::/8\n",
			`f.yaml:2: exclude[0].cidr: "fd00::/8" is not an IPv4 CIDR such as 192.168.0.0/16`},
		{"exclude host bits", "exclude:\n  - cidr: 192.168.1.1/16\n",
			"f.yaml:2: exclude[0].cidr: 192.168.1.1/16 has host bits set; the network is 192.168.0.0/16"},
		{"exclude port zero", "exclude:\n  - cidr: 10.0.0.0/8\n    port: 0\n",
			"f.yaml:3: exclude[0].port: 0 is out of range 1..65535"},
		{"exclude port too big", "exclude:\n  - cidr: 10.0.0.0/8\n    port: 65536\n",
			"f.yaml:3: exclude[0].port: 65536 is out of range 1..65535"},
		{"exclude bad proto", "exclude:\n  - cidr: 10.0.0.0/8\n    proto: sctp\n",
			`f.yaml:3: exclude[0].proto: unknown protocol "sctp" (want tcp or udp)`},
		{"exclude unknown key", "exclude:\n  - cidr: 10.0.0.0/8\n    ports: 22\n",
			"f.yaml:3: exclude[0].ports: unknown key (want cidr, port or proto)"},
		{"alias", "bridges: &b [br0]\nuplinks: *b\n",
			"f.yaml:2: uplinks: YAML aliases are not supported"},
		{"syntax error", "enabled: true\n  max_flows: 3\n",
			"f.yaml:2: YAML syntax: mapping values are not allowed in this context"},
		{"two documents", "enabled: true\n---\nenabled: false\n",
			"f.yaml:2: a second YAML document; the file must hold one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if cfg != (sconnl.Config{}) {
				t.Errorf("Parse returned a config with its error: %+v", cfg)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load("testdata/bad.yaml")
	want := []string{
		`testdata/bad.yaml:1: enabled: expected true or false, got "yes please"`,
		"testdata/bad.yaml:2: bridges[1]: docker0 is already listed as bridges[0] at line 2",
		"testdata/bad.yaml:3: max_flows: 0 is out of range 1..1048576",
		"testdata/bad.yaml:4: colour: unknown key",
		"testdata/bad.yaml:6: exclude[0].cidr: required",
	}
	if err == nil {
		t.Fatal("Load succeeded")
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	var p *Problem
	if !errors.As(err, &p) || p.Line != 1 || p.Key != "enabled" {
		t.Errorf("first problem = %+v, want line 1, key enabled", p)
	}
}

func TestLoadFull(t *testing.T) {
	got, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := settings{
		enabled:     false,
		bridges:     []string{"br-lan", "br-dmz"},
		uplinks:     []string{"eth1", "bond0"},
		maxFlows:    1048576,
		revalidate:  250 * time.Millisecond,
		idleTimeout: 5 * time.Minute,
		protocols:   sconnl.ProtoUDP,
		excludes: []sconnl.Exclude{
			{Prefix: netip.MustParsePrefix("10.0.0.0/8")},
			{Prefix: netip.MustParsePrefix("172.16.0.0/12"), Port: 53},
			{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Proto: sconnl.IPProtoUDP},
		},
	}
	if diff := cmp.Diff(want.config(), got, prefixComparer); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
}

// The shipped file documents the defaults: parsed, it must give them,
// with the one example uplink.
func TestShippedConfigIsTheDefault(t *testing.T) {
	got, err := Load("../../configs/scon.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := withDefaults(func(s *settings) { s.uplinks = []string{"eth0"} })
	if diff := cmp.Diff(want, got, prefixComparer); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/missing.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load error = %v, want one wrapping os.ErrNotExist", err)
	}
}

// The defaults are the module's own (kmod/config.c): an empty file must
// leave a freshly loaded module as it was.
func TestDefaultsAreTheModules(t *testing.T) {
	got := defaults()
	if !got.enabled || got.maxFlows != 16384 || got.revalidate != time.Second ||
		got.idleTimeout != 30*time.Second ||
		got.protocols != sconnl.ProtoTCP|sconnl.ProtoUDP {
		t.Errorf("defaults = %+v, want enabled, 16384 flows, 1s, 30s, tcp+udp", got)
	}
	if diff := cmp.Diff([]string{"docker0"}, got.bridges); diff != "" {
		t.Errorf("bridges (-want +got):\n%s", diff)
	}
	if len(got.uplinks) != 0 || len(got.excludes) != 0 {
		t.Errorf("uplinks %v, excludes %v: want none", got.uplinks, got.excludes)
	}
}

// manyDevices lists n distinct uplinks, one a line.
func manyDevices(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - eth%d\n", i)
	}
	return b.String()
}

// manyExcludes lists n exclusions, one a line.
func manyExcludes(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {cidr: 10.%d.0.0/16}\n", i)
	}
	return b.String()
}
