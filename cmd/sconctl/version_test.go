package main

import (
	"os"
	"regexp"
	"testing"
)

// The Makefile stamps SCON_VERSION of kmod/scon.h into sconctl; a plain
// go build keeps this default, which must say the same.
func TestDefaultVersionIsTheModules(t *testing.T) {
	header, err := os.ReadFile("../../kmod/scon.h")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^#define SCON_VERSION\s+"([^"]+)"$`).FindSubmatch(header)
	if m == nil {
		t.Fatal("no SCON_VERSION in kmod/scon.h")
	}
	if version != string(m[1]) {
		t.Errorf("sconctl's default version %q, kmod/scon.h says %q: change cmd/sconctl/main.go", version, m[1])
	}
}
