package cli

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"scon/internal/sconnl"
)

func ptr[T any](v T) *T { return &v }

func TestChangeCommands(t *testing.T) {
	tests := []struct {
		args     []string
		requests []string
		configs  []sconnl.Config
	}{
		{[]string{"enable"}, []string{"set config"}, []sconnl.Config{{Enabled: ptr(true)}}},
		{[]string{"disable"}, []string{"set config"}, []sconnl.Config{{Enabled: ptr(false)}}},
		{[]string{"flush"}, []string{"flush"}, nil},
		{[]string{"attach", "docker0", "eth0"}, []string{"attach docker0", "attach eth0"}, nil},
		{[]string{"detach", "eth0"}, []string{"detach eth0"}, nil},
		{
			args:     []string{"apply", "-f", "testdata/good.yaml"},
			requests: []string{"set config"},
			configs: []sconnl.Config{{
				Enabled:            ptr(true),
				MaxFlows:           ptr(uint32(4096)),
				RevalidateInterval: ptr(500 * time.Millisecond),
				IdleTimeout:        ptr(time.Minute),
				Protocols:          ptr(sconnl.ProtoTCP),
				Bridges:            ptr([]string{"docker0"}),
				Uplinks:            ptr([]string{"eth0"}),
				Excludes:           ptr([]sconnl.Exclude{}),
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			fake := &fakeClient{}
			res := run(t, fake, tt.args...)
			if res.code != ExitOK || res.stdout != "" || res.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and silence", res.code, res.stdout, res.stderr)
			}
			if diff := cmp.Diff(tt.requests, fake.requests); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.configs, fake.configs); diff != "" {
				t.Errorf("configs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyBadFileSendsNothing(t *testing.T) {
	fake := &fakeClient{}
	res := run(t, fake, "apply", "-f", "testdata/bad.yaml")
	wantStderr := "sconctl: testdata/bad.yaml:2: max_flows: -1 is out of range 1..1048576\n" +
		"sconctl: testdata/bad.yaml:4: uplink: unknown key\n"
	if diff := cmp.Diff(wantStderr, res.stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if res.code != ExitFailure {
		t.Errorf("exit %d, want %d", res.code, ExitFailure)
	}
	if res.dialed || len(fake.requests) != 0 {
		t.Errorf("dialed %v, requests %v; want nothing sent", res.dialed, fake.requests)
	}
}

func TestApplyMissingFile(t *testing.T) {
	res := run(t, &fakeClient{}, "apply", "--file", "testdata/none.yaml")
	want := "sconctl: load config: open testdata/none.yaml: no such file or directory\n"
	if res.stderr != want || res.code != ExitFailure || res.dialed {
		t.Errorf("stderr %q exit %d dialed %v, want %q exit 1 and no dial", res.stderr, res.code, res.dialed, want)
	}
}

func TestKernelRefusals(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		err    error
		stderr string
	}{
		{
			name:   "no privilege",
			args:   []string{"flush"},
			err:    &sconnl.Error{Op: "flush", Errno: unix.EPERM},
			stderr: "sconctl: flush: operation not permitted (needs CAP_NET_ADMIN)\n",
		},
		{
			name:   "extack message",
			args:   []string{"apply", "-f", "testdata/good.yaml"},
			err:    &sconnl.Error{Op: "set config", Errno: unix.EINVAL, Message: "uplink eth0 is a bridge port"},
			stderr: "sconctl: set config: invalid argument: uplink eth0 is a bridge port\n",
		},
		{
			name:   "not a device",
			args:   []string{"detach", "eth7"},
			err:    &sconnl.Error{Op: "detach eth7", Errno: unix.ENOENT},
			stderr: "sconctl: detach eth7: no such file or directory\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, &fakeClient{err: tt.err}, tt.args...)
			if res.code != ExitFailure {
				t.Errorf("exit %d, want %d", res.code, ExitFailure)
			}
			if diff := cmp.Diff(tt.stderr, res.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// A device the kernel refuses does not keep the others from attaching;
// each refusal gets its line and the exit code says something failed.
func TestAttachGoesOnAfterRefusal(t *testing.T) {
	fake := &fakeClient{errFor: map[string]error{
		"attach eth9": &sconnl.Error{Op: "attach eth9", Errno: unix.ENODEV},
	}}
	res := run(t, fake, "attach", "eth0", "eth9", "docker0")
	if diff := cmp.Diff([]string{"attach eth0", "attach eth9", "attach docker0"}, fake.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if want := "sconctl: attach eth9: no such device\n"; res.stderr != want {
		t.Errorf("stderr %q, want %q", res.stderr, want)
	}
	if res.code != ExitFailure {
		t.Errorf("exit %d, want %d", res.code, ExitFailure)
	}
}
