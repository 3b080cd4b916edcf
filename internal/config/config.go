// Package config reads scon's YAML configuration file into an
// sconnl.Config that sets every field.
//
// Decoding is strict: unknown keys, wrong types, values out of range and
// duplicates are all problems, each reported as "FILE:LINE: KEY: reason".
// A file with any problem yields no configuration at all.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"scon/internal/sconnl"
)

// Limits of the settings, the same the module enforces.
const (
	MinMaxFlows    = 1
	MaxMaxFlows    = 1048576
	MinRevalidate  = 10 * time.Millisecond
	MaxRevalidate  = 60 * time.Second
	MinIdleTimeout = time.Second
	MaxIdleTimeout = time.Hour
)

// settings holds the decoded values, starting from the defaults.
type settings struct {
	enabled     bool
	bridges     []string
	uplinks     []string
	maxFlows    uint32
	revalidate  time.Duration
	idleTimeout time.Duration
	protocols   sconnl.Protocols
	excludes    []sconnl.Exclude
}

// defaults returns what an absent key means; configs/scon.yaml documents
// the same values.
func defaults() settings {
	return settings{
		enabled:     true,
		bridges:     []string{"docker0"},
		uplinks:     []string{},
		maxFlows:    16384,
		revalidate:  time.Second,
		idleTimeout: 30 * time.Second,
		protocols:   sconnl.ProtoTCP | sconnl.ProtoUDP,
		excludes:    []sconnl.Exclude{},
	}
}

// config returns s as a change that sets every field.
func (s settings) config() sconnl.Config {
	return sconnl.Config{
		Enabled:            &s.enabled,
		MaxFlows:           &s.maxFlows,
		RevalidateInterval: &s.revalidate,
		IdleTimeout:        &s.idleTimeout,
		Protocols:          &s.protocols,
		Bridges:            &s.bridges,
		Uplinks:            &s.uplinks,
		Excludes:           &s.excludes,
	}
}

// Problem is one thing wrong in a configuration file.
type Problem struct {
	File   string
	Line   int    // 1-based; 0 when the position is unknown
	Key    string // such as "max_flows" or "exclude[0].cidr"; may be empty
	Reason string
}

// Error returns "FILE:LINE: KEY: reason", leaving out what is unknown.
func (p *Problem) Error() string {
	var b bytes.Buffer
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Key != "" {
		b.WriteString(": " + p.Key)
	}
	b.WriteString(": " + p.Reason)
	return b.String()
}

// Load reads and parses the configuration file at path.
func Load(path string) (sconnl.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sconnl.Config{}, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses data, a configuration file called name in problems. It
// returns every problem it finds, joined with errors.Join, each a
// *Problem; then the Config is the zero value.
func Parse(name string, data []byte) (sconnl.Config, error) {
	root, problem := parseDocument(name, data)
	if problem != nil {
		return sconnl.Config{}, problem
	}
	d := &decoder{file: name, seenDevices: map[string]seenDevice{}}
	s := defaults()
	if root != nil {
		d.settings(root, &s)
	}
	d.defaultBridgesNotUplinks(s.bridges)
	if len(d.problems) > 0 {
		return sconnl.Config{}, errors.Join(d.problems...)
	}
	return s.config(), nil
}

// parseDocument parses the YAML of data and returns its top node, nil
// for a file without any (empty or only comments).
func parseDocument(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, syntaxProblem(name, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, syntaxProblem(name, data, err)
		}
		return nil, &Problem{File: name, Line: extra.Line, Reason: "a second YAML document; the file must hold one"}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlLine matches the position yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 syntax error into a Problem, moving the
// line number it carries in its text to where ours go.
func syntaxProblem(name string, data []byte, err error) *Problem {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		reason := strings.TrimPrefix(err.Error(), "yaml: ")
		return &Problem{File: name, Line: unnumberedLine(data), Reason: "YAML syntax: " + reason}
	}
	line, _ := strconv.Atoi(m[1])
	return &Problem{File: name, Line: line, Reason: "YAML syntax: " + m[2]}
}

// unnumberedLine returns the line of a yaml.v3 error that names none.
// Its reader's errors (bytes that are not UTF-8, control characters)
// carry no position, so the line is that of the first such byte. Any
// other error without a line is on line 1: yaml.v3 counts lines from 0
// and takes 0 for "unknown".
func unnumberedLine(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if (r == utf8.RuneError && size == 1) || !yamlAllows(r) {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return 1
}

// yamlAllows reports whether YAML allows r in a file (YAML 1.2's
// c-printable, as yaml.v3 checks it).
func yamlAllows(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
		(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
}
