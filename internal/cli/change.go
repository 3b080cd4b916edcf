package cli

import (
	"errors"

	"github.com/urfave/cli/v2"

	"scon/internal/config"
	"scon/internal/sconnl"
)

// The commands here change the module, which needs CAP_NET_ADMIN. They
// print nothing on success.

func (s *sconctl) attachCommand() *cli.Command {
	return &cli.Command{
		Name:      "attach",
		Usage:     "run the express path on devices: a bridge's ports, or an uplink",
		ArgsUsage: "DEV...",
		Action: func(c *cli.Context) error {
			return s.eachDevice(c, Client.Attach)
		},
	}
}

func (s *sconctl) detachCommand() *cli.Command {
	return &cli.Command{
		Name:      "detach",
		Usage:     "stop running the express path on devices",
		ArgsUsage: "DEV...",
		Action: func(c *cli.Context) error {
			return s.eachDevice(c, Client.Detach)
		},
	}
}

// eachDevice sends one request per device named on the command line. A
// refused device does not stop the others; every refusal is reported.
func (s *sconctl) eachDevice(c *cli.Context, request func(Client, string) error) error {
	if !c.Args().Present() {
		return usagef(c, "name at least one device")
	}
	return s.withClient(func(client Client) error {
		var errs []error
		for _, name := range c.Args().Slice() {
			if err := request(client, name); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

func (s *sconctl) enableCommand() *cli.Command {
	return s.setEnabledCommand("enable", "turn the express path on", true)
}

func (s *sconctl) disableCommand() *cli.Command {
	return s.setEnabledCommand("disable", "turn the express path off; connections carry on normally", false)
}

// setEnabledCommand changes only the enabled setting, which unlike other
// changes keeps the cached flows.
func (s *sconctl) setEnabledCommand(name, usage string, enabled bool) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return s.withClient(func(client Client) error {
				return client.SetConfig(sconnl.Config{Enabled: &enabled})
			})
		},
	}
}

func (s *sconctl) flushCommand() *cli.Command {
	return &cli.Command{
		Name:      "flush",
		Usage:     "drop every cached flow; connections carry on normally",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return s.withClient(Client.Flush)
		},
	}
}

func (s *sconctl) applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "replace the whole configuration with a YAML file's",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "the configuration `FILE`"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			path := c.String("file")
			if path == "" {
				return usagef(c, "name the configuration file with -f FILE")
			}
			// The file is checked whole before dialing, so a bad one
			// sends nothing.
			cfg, err := config.Load(path)
			if err != nil {
				return err
			}
			return s.withClient(func(client Client) error {
				return client.SetConfig(cfg)
			})
		},
	}
}
