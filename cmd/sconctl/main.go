// Command sconctl configures and inspects the scon kernel module.
package main

import (
	"os"

	"scon/internal/cli"
	"scon/internal/sconnl"
)

// version is sconctl's version. make sconctl stamps SCON_VERSION of
// kmod/scon.h into it with
// -ldflags "-X main.version=..."; version_test.go keeps this default equal.
var version = "0.1.0"

// dial connects to the module; the app calls it only for commands that
// need it, so help works without the module.
func dial() (cli.Client, error) {
	c, err := sconnl.Dial()
	if err != nil {
		return nil, err
	}
	return c, nil
}

func main() {
	os.Exit(cli.Main(version, dial, os.Args, os.Stdout, os.Stderr))
}
