// Package cli is sconctl: the command line that configures and inspects
// the scon module. It prints; the packages below it never do.
//
// Exit codes: 0 on success, 1 on failure, 2 on a usage error (unknown
// command or flag, missing or extra arguments).
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"scon/internal/sconnl"
)

// Client is what the commands need from the module; *sconnl.Client
// implements it.
type Client interface {
	Status() (sconnl.Status, error)
	Flows() ([]sconnl.Flow, error)
	SetConfig(cfg sconnl.Config) error
	Attach(name string) error
	Detach(name string) error
	Flush() error
	Close() error
}

// DialFunc connects to the module. Commands call it only when they need
// the module, so that help and usage errors work without it.
type DialFunc func() (Client, error)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// usageError is a command line the app cannot run. An empty message
// means the help already said what was wrong.
type usageError struct {
	command string // the command at fault, "" for the app as a whole
	msg     string
}

func (e *usageError) Error() string {
	if e.command == "" || e.msg == "" {
		return e.msg
	}
	return e.command + ": " + e.msg
}

// usagef returns a usage error of the command c runs.
func usagef(c *cli.Context, format string, args ...any) error {
	return &usageError{command: commandName(c), msg: fmt.Sprintf(format, args...)}
}

// commandName returns the name of the command c runs, "" for the app.
func commandName(c *cli.Context) string {
	if c.Command == nil || c.Command.Name == c.App.Name {
		return ""
	}
	return c.Command.Name
}

// sconctl holds what every command needs.
type sconctl struct {
	version string
	dial    DialFunc
	stdout  io.Writer
}

// withClient dials the module, runs fn and closes the connection.
func (s *sconctl) withClient(fn func(Client) error) error {
	c, err := s.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// NewApp returns the sconctl application. version is sconctl's own
// version; output goes to stdout and stderr, never to the process's.
func NewApp(version string, dial DialFunc, stdout, stderr io.Writer) *cli.App {
	s := &sconctl{version: version, dial: dial, stdout: stdout}
	app := &cli.App{
		Name:      "sconctl",
		Usage:     "configure and inspect the scon container express path",
		Version:   version,
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			s.statusCommand(),
			s.flowsCommand(),
			s.attachCommand(),
			s.detachCommand(),
			s.enableCommand(),
			s.disableCommand(),
			s.flushCommand(),
			s.applyCommand(),
			s.versionCommand(),
		},
		Action:       rootAction,
		OnUsageError: onUsageError,
		// The default handler calls os.Exit; Main picks the code instead.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = onUsageError
	}
	return app
}

// rootAction runs when no command matched: an unknown one, or none.
func rootAction(c *cli.Context) error {
	if c.Args().Present() {
		return usagef(c, "unknown command %q", c.Args().First())
	}
	if err := cli.ShowAppHelp(c); err != nil {
		return err
	}
	return &usageError{}
}

func onUsageError(c *cli.Context, err error, _ bool) error {
	return usagef(c, "%v", err)
}

// noArgs refuses arguments to a command that takes none.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return usagef(c, "unexpected argument %q", c.Args().First())
	}
	return nil
}

// Main runs sconctl with args (args[0] is the program name), prints any
// error to stderr and returns the exit code.
func Main(version string, dial DialFunc, args []string, stdout, stderr io.Writer) int {
	err := NewApp(version, dial, stdout, stderr).Run(args)
	if err == nil {
		return ExitOK
	}
	for _, line := range errorLines(err) {
		fmt.Fprintf(stderr, "sconctl: %s\n", line)
	}
	if !isUsage(err) {
		return ExitFailure
	}
	if errorLines(err) != nil {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", helpName(err))
	}
	return ExitUsage
}

// isUsage reports whether err is a usage error, including the one the
// help command returns for an unknown topic.
func isUsage(err error) bool {
	var usage *usageError
	var exitCoder cli.ExitCoder
	return errors.As(err, &usage) || errors.As(err, &exitCoder)
}

// helpName is the command line whose help explains a usage error.
func helpName(err error) string {
	var usage *usageError
	if errors.As(err, &usage) && usage.command != "" {
		return "sconctl " + usage.command
	}
	return "sconctl"
}

// errorLines renders err as the lines to print after "sconctl: ". Each
// error of an errors.Join gets its own lines; a refusal for lack of
// privilege says which one is missing.
func errorLines(err error) []string {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range joined.Unwrap() {
			lines = append(lines, errorLines(e)...)
		}
		return lines
	}
	if errors.Is(err, sconnl.ErrNotLoaded) {
		return []string{sconnl.ErrNotLoaded.Error()}
	}
	text := err.Error()
	if text == "" {
		return nil
	}
	var refusal *sconnl.Error
	if errors.As(err, &refusal) && refusal.Errno == unix.EPERM {
		text += " (needs CAP_NET_ADMIN)"
	}
	return strings.Split(text, "\n")
}
