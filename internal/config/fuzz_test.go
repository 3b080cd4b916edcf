package config

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"scon/internal/sconnl"
)

// FuzzParse: whatever the file holds, Parse does not panic and returns
// either a configuration the module would accept, every field set, or
// no configuration and problems that each name the file and a line.
//
//	go test ./internal/config -run '^$' -fuzz FuzzParse -fuzztime 30s
func FuzzParse(f *testing.F) {
	for _, path := range []string{"testdata/full.yaml", "testdata/bad.yaml", "../../configs/scon.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "# only a comment\n", "enabled: true\n", "[]\n", "- a\n- b\n", "a: &x 1\nb: *x\n",
		"bridges: [docker0]\nuplinks: [docker0]\n", "uplinks: [docker0]\n",
		"max_flows: 99999999999999999999999\n", "revalidate_interval: 1.5ms\n",
		"exclude:\n  - cidr: 10.0.0.1/8\n    port: 0\n", "exclude:\n  - {port: 53}\n",
		"protocols: [tcp, tcp]\n", "bridges:\n", "enabled: true\n---\nenabled: false\n",
		"enabled: true\nenabled: false\n", "bridges: [\"a/b\", \"\", \"0123456789abcdef\"]\n",
		"bridges: [\"a\\0b\"]\n", "uplinks: [\"w\u00e0n\"]\n", "uplinks: [\"a\\vb\"]\n",
		"\tenabled: true\n", "exclude:\n  - {cidr: 10.0.0.0/8, port: 0x16}\n", "bridges: &a [x]\nuplinks: *a\n", "enabled: \"\x01\"\n", "\xff\xfe\n", "{a: [b, {c: d}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkProblems(t, cfg, err)
			return
		}
		checkAcceptable(t, cfg)
	})
}

// checkProblems: a refused file yields no configuration, only problems
// that each say where they are.
func checkProblems(t *testing.T, cfg sconnl.Config, err error) {
	t.Helper()
	if !reflect.DeepEqual(cfg, sconnl.Config{}) {
		t.Errorf("refused file still yields a configuration: %+v", cfg)
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var p *Problem
		if !errors.As(e, &p) {
			t.Errorf("error %q (%T) is not a *Problem", e, e)
			continue
		}
		if p.File != "fuzz.yaml" || p.Line < 1 || p.Reason == "" {
			t.Errorf("problem %q does not name fuzz.yaml, a line and a reason", p)
		}
	}
}

// checkAcceptable: an accepted file sets every field, within the limits
// the module enforces (kmod/netlink.c), so that apply cannot be refused
// by the kernel for what the file says.
func checkAcceptable(t *testing.T, cfg sconnl.Config) {
	t.Helper()
	if cfg.Enabled == nil || cfg.MaxFlows == nil || cfg.RevalidateInterval == nil ||
		cfg.IdleTimeout == nil || cfg.Protocols == nil || cfg.Bridges == nil ||
		cfg.Uplinks == nil || cfg.Excludes == nil {
		t.Fatalf("accepted configuration leaves a field unset: %+v", cfg)
	}
	if v := *cfg.MaxFlows; v < MinMaxFlows || v > MaxMaxFlows {
		t.Errorf("max_flows %d out of range", v)
	}
	if v := *cfg.RevalidateInterval; v < MinRevalidate || v > MaxRevalidate || v%1e6 != 0 {
		t.Errorf("revalidate interval %v out of range", v)
	}
	if v := *cfg.IdleTimeout; v < MinIdleTimeout || v > MaxIdleTimeout || v%1e6 != 0 {
		t.Errorf("idle timeout %v out of range", v)
	}
	if *cfg.Protocols&^(sconnl.ProtoTCP|sconnl.ProtoUDP) != 0 {
		t.Errorf("protocols %#x has unknown bits", *cfg.Protocols)
	}
	checkDevices(t, *cfg.Bridges, *cfg.Uplinks)
	checkExcludes(t, *cfg.Excludes)
}

func checkDevices(t *testing.T, bridges, uplinks []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, list := range [][]string{bridges, uplinks} {
		if len(list) > sconnl.MaxDevices {
			t.Errorf("%d devices in one list, more than %d", len(list), sconnl.MaxDevices)
		}
		for _, name := range list {
			if !kernelValidName(name) {
				t.Errorf("accepted device name %q, which the kernel refuses or reads otherwise", name)
			}
			if seen[name] {
				t.Errorf("device %q listed twice", name)
			}
			seen[name] = true
		}
	}
}

// kernelValidName is a model of the kernel's dev_valid_name as the
// module applies it to a NUL-terminated SCON_A_NAME: 1 to 15 bytes up to
// the first NUL (so a NUL inside would cut the name short), not "." or
// "..", no '/', ':' or byte that the kernel's isspace takes for a space.
func kernelValidName(name string) bool {
	if name == "" || len(name) > 15 || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case 0, '/', ':', ' ', '\t', '\n', '\v', '\f', '\r', 0xa0:
			return false
		}
	}
	return true
}

func checkExcludes(t *testing.T, excludes []sconnl.Exclude) {
	t.Helper()
	if len(excludes) > sconnl.MaxExcludes {
		t.Errorf("%d exclusions, more than %d", len(excludes), sconnl.MaxExcludes)
	}
	for _, ex := range excludes {
		if !ex.Prefix.IsValid() || !ex.Prefix.Addr().Is4() || ex.Prefix != ex.Prefix.Masked() {
			t.Errorf("exclusion %v is not an IPv4 network", ex.Prefix)
		}
		if ex.Proto != 0 && ex.Proto != sconnl.IPProtoTCP && ex.Proto != sconnl.IPProtoUDP {
			t.Errorf("exclusion protocol %d", ex.Proto)
		}
	}
}
