package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every command that needs the module says, in one line, that it is not
// loaded and how to load it.
func TestNotLoaded(t *testing.T) {
	commands := [][]string{
		{"status"}, {"status", "--json"}, {"flows"}, {"flows", "--json"},
		{"flush"}, {"enable"}, {"disable"}, {"attach", "eth0"}, {"detach", "eth0"},
		{"apply", "-f", "testdata/good.yaml"}, {"version"},
	}
	want := result{
		stderr: "sconctl: scon module is not loaded (modprobe scon or insmod scon.ko)\n",
		code:   ExitFailure,
		dialed: true,
	}
	for _, args := range commands {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			got := run(t, nil, args...)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// Usage errors exit 2 with a pointer to the help, and never reach the
// module.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"frobnicate"}, "sconctl: unknown command \"frobnicate\"\nRun 'sconctl --help' for usage.\n"},
		{[]string{"--frob"}, "sconctl: flag provided but not defined: -frob\nRun 'sconctl --help' for usage.\n"},
		{[]string{"status", "--yaml"}, "sconctl: status: flag provided but not defined: -yaml\nRun 'sconctl status --help' for usage.\n"},
		{[]string{"status", "now"}, "sconctl: status: unexpected argument \"now\"\nRun 'sconctl status --help' for usage.\n"},
		{[]string{"flush", "--json"}, "sconctl: flush: flag provided but not defined: -json\nRun 'sconctl flush --help' for usage.\n"},
		{[]string{"attach"}, "sconctl: attach: name at least one device\nRun 'sconctl attach --help' for usage.\n"},
		{[]string{"detach"}, "sconctl: detach: name at least one device\nRun 'sconctl detach --help' for usage.\n"},
		{[]string{"apply"}, "sconctl: apply: name the configuration file with -f FILE\nRun 'sconctl apply --help' for usage.\n"},
		{[]string{"apply", "-f"}, "sconctl: apply: flag needs an argument: -f\nRun 'sconctl apply --help' for usage.\n"},
		{[]string{"help", "frobnicate"}, "sconctl: No help topic for 'frobnicate'\nRun 'sconctl --help' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fake := &fakeClient{}
			res := run(t, fake, tt.args...)
			if res.code != ExitUsage {
				t.Errorf("exit %d, want %d", res.code, ExitUsage)
			}
			if diff := cmp.Diff(tt.stderr, res.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if res.dialed {
				t.Error("dialed the module")
			}
		})
	}
}

func TestNoCommandShowsHelp(t *testing.T) {
	res := run(t, nil)
	if res.code != ExitUsage || res.stderr != "" || !strings.Contains(res.stdout, "COMMANDS:") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 2 and the help", res.code, res.stderr, res.stdout)
	}
}

// The help lists every command with its one-line usage, and works
// without the module.
func TestHelpListsEveryCommand(t *testing.T) {
	res := run(t, nil, "--help")
	if res.code != ExitOK || res.dialed {
		t.Fatalf("exit %d, dialed %v; want 0 without dialing", res.code, res.dialed)
	}
	app := NewApp("0.1.0", nil, nil, nil)
	for _, cmd := range app.Commands {
		if !strings.Contains(res.stdout, cmd.Usage) || !strings.Contains(res.stdout, cmd.Name) {
			t.Errorf("help lacks %s: %s", cmd.Name, cmd.Usage)
		}
	}
	for _, name := range []string{"status", "flows", "flush", "enable", "disable", "attach", "detach", "apply", "version"} {
		if app.Command(name) == nil {
			t.Errorf("no command %s", name)
		}
	}
}

func TestVersionFlagNeedsNoModule(t *testing.T) {
	res := run(t, nil, "--version")
	if res.code != ExitOK || res.stdout != "sconctl version 0.1.0\n" || res.dialed {
		t.Errorf("exit %d stdout %q dialed %v", res.code, res.stdout, res.dialed)
	}
}
