package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzApply runs `sconctl apply -f FILE` on any file: it never panics,
// and it either sends exactly one request (the whole configuration, so
// that the kernel applies all of it or nothing) or sends nothing and
// says, on every line of its complaint, the file and the line at fault.
//
//	go test ./internal/cli -run '^$' -fuzz FuzzApply -fuzztime 30s
func FuzzApply(f *testing.F) {
	for _, path := range []string{"testdata/good.yaml", "testdata/bad.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("uplinks: [eth0]\nbridges: [eth0]\n"))
	f.Add([]byte("max_flows: 0\nexclude: [{cidr: 10.0.0.1/8}]\ncolour: blue\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "scon.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fake := &fakeClient{}
		res := run(t, fake, "apply", "-f", path)
		switch res.code {
		case ExitOK:
			if len(fake.requests) != 1 || fake.requests[0] != "set config" || len(fake.configs) != 1 {
				t.Fatalf("applied with requests %v, want one set config", fake.requests)
			}
		case ExitFailure:
			if res.dialed || len(fake.requests) != 0 {
				t.Fatalf("refused file still sent %v", fake.requests)
			}
			checkNamesLines(t, path, res.stderr)
		default:
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

// checkNamesLines: every line of stderr is "sconctl: PATH:LINE: ...".
func checkNamesLines(t *testing.T, path, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	for _, line := range lines {
		rest, ok := strings.CutPrefix(line, "sconctl: "+path+":")
		if !ok || rest == "" || rest[0] < '1' || rest[0] > '9' {
			t.Errorf("complaint %q does not start with sconctl: %s:LINE", line, path)
		}
	}
}
