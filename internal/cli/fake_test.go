package cli

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"scon/internal/sconnl"
)

// fakeClient stands in for the module: it answers from its fields and
// records every request.
type fakeClient struct {
	status   sconnl.Status
	flows    []sconnl.Flow
	err      error            // returned by every request
	errFor   map[string]error // returned by one request, such as "attach eth9"
	requests []string         // every request, such as "attach eth0"
	configs  []sconnl.Config  // the argument of every SetConfig
	closed   bool
}

func (f *fakeClient) request(name string) error {
	f.requests = append(f.requests, name)
	if err := f.errFor[name]; err != nil {
		return err
	}
	return f.err
}

func (f *fakeClient) Status() (sconnl.Status, error) {
	return f.status, f.request("status")
}

func (f *fakeClient) Flows() ([]sconnl.Flow, error) {
	return f.flows, f.request("flows")
}

func (f *fakeClient) SetConfig(cfg sconnl.Config) error {
	f.configs = append(f.configs, cfg)
	return f.request("set config")
}

func (f *fakeClient) Attach(name string) error { return f.request("attach " + name) }
func (f *fakeClient) Detach(name string) error { return f.request("detach " + name) }
func (f *fakeClient) Flush() error             { return f.request("flush") }

func (f *fakeClient) Close() error {
	f.closed = true
	return nil
}

// result is what one run of sconctl left behind.
type result struct {
	stdout, stderr string
	code           int
	dialed         bool
}

// run runs sconctl with args against fake; a nil fake is a kernel
// without the module.
func run(t *testing.T, fake *fakeClient, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	var res result
	dial := func() (Client, error) {
		res.dialed = true
		if fake == nil {
			return nil, sconnl.ErrNotLoaded
		}
		return fake, nil
	}
	res.code = Main("0.1.0", dial, append([]string{"sconctl"}, args...), &stdout, &stderr)
	res.stdout, res.stderr = stdout.String(), stderr.String()
	if fake != nil && res.dialed && !fake.closed {
		t.Error("the client was not closed")
	}
	return res
}

// sampleStatus is a module with a bit of everything.
func sampleStatus() sconnl.Status {
	counters := make([]uint64, sconnl.NumCounters)
	counters[sconnl.CounterExpressPackets] = 123456
	counters[sconnl.CounterExpressBytes] = 98765432
	counters[sconnl.CounterFlowsLearned] = 42
	counters[sconnl.CounterInvFlush] = 2
	return sconnl.Status{
		Version:            "0.3.0",
		ProtoVersion:       1,
		Enabled:            true,
		FlowCount:          2,
		MaxFlows:           16384,
		RevalidateInterval: time.Second,
		IdleTimeout:        30 * time.Second,
		Protocols:          sconnl.ProtoTCP | sconnl.ProtoUDP,
		Bridges:            []string{"docker0"},
		Uplinks:            []string{"eth0", "eth1"},
		Excludes: []sconnl.Exclude{
			{Prefix: netip.MustParsePrefix("192.168.0.0/16"), Port: 22, Proto: sconnl.IPProtoTCP},
			{Prefix: netip.MustParsePrefix("10.9.0.0/24")},
		},
		Devices: []sconnl.Device{
			{Ifindex: 2, Name: "eth0", Role: sconnl.RoleUplink},
			{Ifindex: 3, Name: "eth1", Role: sconnl.RoleUplink},
			{Ifindex: 17, Name: "veth3f2a1b0", Role: sconnl.RoleBridgePort, Master: "docker0"},
		},
		Counters: counters,
	}
}

// sampleFlows is one published port, DNATed from eth0 to a container,
// and a container's connection out, SNATed to the host's address.
func sampleFlows() []sconnl.Flow {
	mac := net.HardwareAddr{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}
	addr := netip.MustParseAddr
	return []sconnl.Flow{
		{
			Proto: sconnl.IPProtoTCP, Dir: sconnl.DirOriginal,
			Src: addr("10.0.0.2"), Dst: addr("10.0.0.1"), SrcPort: 40000, DstPort: 8080,
			NATSrc: addr("10.0.0.2"), NATDst: addr("172.17.0.2"), NATSrcPort: 40000, NATDstPort: 80,
			InIfindex: 2, InDev: "eth0", OutIfindex: 4, OutDev: "docker0", MTU: 1500, DstMAC: mac,
			Packets: 1200, Bytes: 1500000, Age: 3200 * time.Millisecond, Idle: 15 * time.Millisecond,
			Flags: sconnl.FlowFlagRouted | sconnl.FlowFlagReady,
		},
		{
			Proto: sconnl.IPProtoUDP, Dir: sconnl.DirReply,
			Src: addr("172.17.0.3"), Dst: addr("9.9.9.9"), SrcPort: 5353, DstPort: 53,
			NATSrc: addr("10.0.0.1"), NATDst: addr("9.9.9.9"), NATSrcPort: 61000, NATDstPort: 53,
			InIfindex: 4, InDev: "docker0", OutIfindex: 2, OutDev: "eth0", MTU: 1500, DstMAC: mac,
			Packets: 3, Bytes: 240, Age: 125 * time.Second, Idle: 900 * time.Millisecond,
			Flags: sconnl.FlowFlagStale,
		},
		{
			Proto: sconnl.IPProtoTCP, Dir: sconnl.DirOriginal,
			Src: addr("172.17.0.2"), Dst: addr("172.17.0.3"), SrcPort: 33000, DstPort: 6379,
			NATSrc: addr("172.17.0.2"), NATDst: addr("172.17.0.3"), NATSrcPort: 33000, NATDstPort: 6379,
			InIfindex: 17, InDev: "veth3f2a1b0", OutIfindex: 18, OutDev: "veth9c8d7e6", MTU: 1500, DstMAC: mac,
			Age: 40 * time.Millisecond, Flags: sconnl.FlowFlagReady,
		},
	}
}
