package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scon/internal/sconnl"
)

// counterTable is the NAME VALUE table status prints for counters, every
// one of them, built here from the names so that a counter appended to
// the uapi header needs no edit below.
func counterTable(values map[sconnl.Counter]uint64) string {
	names := sconnl.CounterNames()
	width := len("NAME")
	for _, name := range names {
		width = max(width, len(name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  VALUE\n", width, "NAME")
	for i, name := range names {
		fmt.Fprintf(&b, "%-*s  %d\n", width, name, values[sconnl.Counter(i)])
	}
	return b.String()
}

func TestStatusHuman(t *testing.T) {
	want := `version:              0.3.0 (netlink protocol 1)
enabled:              yes
flows:                2 of 16384
revalidate interval:  1s
idle timeout:         30s
protocols:            tcp, udp
bridges:              docker0
uplinks:              eth0, eth1
excludes:             192.168.0.0/16 tcp port 22
                      10.9.0.0/24

DEVICE       ROLE         MASTER   IFINDEX
eth0         uplink       -        2
eth1         uplink       -        3
veth3f2a1b0  bridge-port  docker0  17

` + counterTable(map[sconnl.Counter]uint64{
		sconnl.CounterExpressPackets: 123456,
		sconnl.CounterExpressBytes:   98765432,
		sconnl.CounterFlowsLearned:   42,
		sconnl.CounterInvFlush:       2,
	})
	for _, cmd := range []string{"status", "st"} {
		fake := &fakeClient{status: sampleStatus()}
		res := run(t, fake, cmd)
		if res.code != ExitOK || res.stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", cmd, res.code, res.stderr)
		}
		if diff := cmp.Diff(want, res.stdout); diff != "" {
			t.Errorf("%s output (-want +got):\n%s", cmd, diff)
		}
	}
}

func TestStatusHumanEmpty(t *testing.T) {
	want := `version:              0.3.0 (netlink protocol 1)
enabled:              no
flows:                0 of 1
revalidate interval:  10ms
idle timeout:         1h0m0s
protocols:            none
bridges:              none
uplinks:              none
excludes:             none

DEVICE  ROLE  MASTER  IFINDEX

` + counterTable(nil)
	fake := &fakeClient{status: sconnl.Status{
		Version: "0.3.0", ProtoVersion: 1, MaxFlows: 1,
		RevalidateInterval: 10e6, IdleTimeout: 3600e9,
	}}
	res := run(t, fake, "status")
	if diff := cmp.Diff(want, res.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestStatusJSON(t *testing.T) {
	counters := []string{}
	for _, name := range sconnl.CounterNames() {
		value := map[string]int{"express_packets": 123456, "express_bytes": 98765432,
			"flows_learned": 42, "inv_flush": 2}[name]
		counters = append(counters, fmt.Sprintf("    %q: %d", name, value))
	}
	// encoding/json writes map keys sorted.
	sort.Strings(counters)
	want := `{
  "version": "0.3.0",
  "proto_version": 1,
  "enabled": true,
  "flow_count": 2,
  "max_flows": 16384,
  "revalidate_ms": 1000,
  "idle_timeout_ms": 30000,
  "protocols": [
    "tcp",
    "udp"
  ],
  "bridges": [
    "docker0"
  ],
  "uplinks": [
    "eth0",
    "eth1"
  ],
  "excludes": [
    {
      "cidr": "192.168.0.0/16",
      "port": 22,
      "proto": "tcp"
    },
    {
      "cidr": "10.9.0.0/24",
      "port": 0,
      "proto": "any"
    }
  ],
  "devices": [
    {
      "ifindex": 2,
      "name": "eth0",
      "role": "uplink",
      "master": ""
    },
    {
      "ifindex": 3,
      "name": "eth1",
      "role": "uplink",
      "master": ""
    },
    {
      "ifindex": 17,
      "name": "veth3f2a1b0",
      "role": "bridge-port",
      "master": "docker0"
    }
  ],
  "counters": {
` + strings.Join(counters, ",\n") + `
  }
}
`
	res := run(t, &fakeClient{status: sampleStatus()}, "status", "--json")
	if res.code != ExitOK || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if diff := cmp.Diff(want, res.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// Lists in JSON are [] when empty, never null, so that scripts can
// iterate without checking; counters are all there even when zero.
func TestStatusJSONEmpty(t *testing.T) {
	res := run(t, &fakeClient{}, "status", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, res.stdout)
	}
	for _, field := range []string{"protocols", "bridges", "uplinks", "excludes", "devices"} {
		if list, ok := got[field].([]any); !ok || len(list) != 0 {
			t.Errorf("%s = %#v, want []", field, got[field])
		}
	}
	if counters, _ := got["counters"].(map[string]any); len(counters) != sconnl.NumCounters {
		t.Errorf("%d counters, want %d", len(counters), sconnl.NumCounters)
	}
}

func TestFlowsHuman(t *testing.T) {
	want := `PROTO  DIR    SRC         DST         SPORT  DPORT  IN           OUT          NAT                 STATE            PACKETS  BYTES    AGE
tcp    orig   10.0.0.2    10.0.0.1    40000  8080   eth0         docker0      dst 172.17.0.2:80   ready,routed     1200     1500000  3.2s
udp    reply  172.17.0.3  9.9.9.9     5353   53     docker0      eth0         src 10.0.0.1:61000  not-ready,stale  3        240      2m5s
tcp    orig   172.17.0.2  172.17.0.3  33000  6379   veth3f2a1b0  veth9c8d7e6  -                   ready            0        0        40ms
`
	for _, cmd := range []string{"flows", "ls"} {
		res := run(t, &fakeClient{flows: sampleFlows()}, cmd)
		if res.code != ExitOK || res.stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", cmd, res.code, res.stderr)
		}
		if diff := cmp.Diff(want, res.stdout); diff != "" {
			t.Errorf("%s output (-want +got):\n%s", cmd, diff)
		}
	}
}

func TestFlowsHumanEmpty(t *testing.T) {
	res := run(t, &fakeClient{}, "flows")
	want := "PROTO  DIR  SRC  DST  SPORT  DPORT  IN  OUT  NAT  STATE  PACKETS  BYTES  AGE\n"
	if diff := cmp.Diff(want, res.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestFlowsJSON(t *testing.T) {
	want := `[
  {
    "proto": "tcp",
    "dir": "original",
    "src": "10.0.0.2",
    "dst": "10.0.0.1",
    "sport": 40000,
    "dport": 8080,
    "nat_src": "10.0.0.2",
    "nat_dst": "172.17.0.2",
    "nat_sport": 40000,
    "nat_dport": 80,
    "in_ifindex": 2,
    "in_dev": "eth0",
    "out_ifindex": 4,
    "out_dev": "docker0",
    "mtu": 1500,
    "dst_mac": "02:42:ac:11:00:02",
    "packets": 1200,
    "bytes": 1500000,
    "age_ms": 3200,
    "idle_ms": 15,
    "routed": true,
    "ready": true,
    "stale": false
  },
  {
    "proto": "udp",
    "dir": "reply",
    "src": "172.17.0.3",
    "dst": "9.9.9.9",
    "sport": 5353,
    "dport": 53,
    "nat_src": "10.0.0.1",
    "nat_dst": "9.9.9.9",
    "nat_sport": 61000,
    "nat_dport": 53,
    "in_ifindex": 4,
    "in_dev": "docker0",
    "out_ifindex": 2,
    "out_dev": "eth0",
    "mtu": 1500,
    "dst_mac": "02:42:ac:11:00:02",
    "packets": 3,
    "bytes": 240,
    "age_ms": 125000,
    "idle_ms": 900,
    "routed": false,
    "ready": false,
    "stale": true
  }
]
`
	res := run(t, &fakeClient{flows: sampleFlows()[:2]}, "flows", "--json")
	if res.code != ExitOK || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if diff := cmp.Diff(want, res.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestFlowsJSONEmptyIsArray(t *testing.T) {
	res := run(t, &fakeClient{}, "ls", "--json")
	if res.stdout != "[]\n" {
		t.Errorf("output %q, want %q", res.stdout, "[]\n")
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		name         string
		protoVersion uint32
		stdout       string
		stderr       string
		code         int
	}{
		{
			name:         "matching",
			protoVersion: sconnl.GenlVersion,
			stdout:       "sconctl  0.1.0 (netlink protocol 1)\nmodule   0.3.0 (netlink protocol 1)\n",
			code:         ExitOK,
		},
		{
			name:         "module newer",
			protoVersion: 2,
			stdout:       "sconctl  0.1.0 (netlink protocol 1)\nmodule   0.3.0 (netlink protocol 2)\n",
			stderr:       "sconctl: sconctl speaks netlink protocol 1 but the module speaks 2: install matching versions\n",
			code:         ExitFailure,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, &fakeClient{status: sconnl.Status{Version: "0.3.0", ProtoVersion: tt.protoVersion}}, "version")
			got := result{stdout: res.stdout, stderr: res.stderr, code: res.code}
			want := result{stdout: tt.stdout, stderr: tt.stderr, code: tt.code}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("version (-want +got):\n%s", diff)
			}
		})
	}
}
