package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"scon/internal/sconnl"
)

func (s *sconctl) versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "show the versions of sconctl and of the loaded module",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return s.withClient(func(client Client) error {
				st, err := client.Status()
				if err != nil {
					return err
				}
				fmt.Fprintf(s.stdout, "sconctl  %s (netlink protocol %d)\n", s.version, sconnl.GenlVersion)
				fmt.Fprintf(s.stdout, "module   %s (netlink protocol %d)\n", st.Version, st.ProtoVersion)
				return checkProtocol(st.ProtoVersion)
			})
		},
	}
}

// checkProtocol refuses a module that speaks another netlink protocol
// version than this build.
func checkProtocol(moduleVersion uint32) error {
	if moduleVersion == sconnl.GenlVersion {
		return nil
	}
	return fmt.Errorf("sconctl speaks netlink protocol %d but the module speaks %d: install matching versions",
		sconnl.GenlVersion, moduleVersion)
}
