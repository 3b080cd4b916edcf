package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"scon/internal/sconnl"
)

// The walk below works on yaml.Node rather than decoding into a struct:
// only nodes know their line, and only a walk can collect every problem
// instead of stopping at the first.

// decoder walks the nodes of one file and collects its problems.
type decoder struct {
	file        string
	problems    []error
	seenDevices map[string]seenDevice // across bridges and uplinks
}

// seenDevice is where a device name was first listed.
type seenDevice struct {
	key  string
	line int
}

func (d *decoder) problem(n *yaml.Node, key, format string, args ...any) {
	d.problems = append(d.problems, &Problem{
		File:   d.file,
		Line:   n.Line,
		Key:    key,
		Reason: fmt.Sprintf(format, args...),
	})
}

// topFields decodes each top-level key into settings.
var topFields = map[string]func(d *decoder, key string, n *yaml.Node, s *settings){
	"enabled": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.boolean(key, n, &s.enabled)
	},
	"bridges": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.devices(key, n, &s.bridges)
	},
	"uplinks": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.devices(key, n, &s.uplinks)
	},
	"max_flows": func(d *decoder, key string, n *yaml.Node, s *settings) {
		if v, ok := d.integer(key, n, MinMaxFlows, MaxMaxFlows); ok {
			s.maxFlows = uint32(v)
		}
	},
	"revalidate_interval": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.duration(key, n, MinRevalidate, MaxRevalidate, &s.revalidate)
	},
	"idle_timeout": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.duration(key, n, MinIdleTimeout, MaxIdleTimeout, &s.idleTimeout)
	},
	"protocols": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.protocols(key, n, &s.protocols)
	},
	"exclude": func(d *decoder, key string, n *yaml.Node, s *settings) {
		d.excludes(key, n, &s.excludes)
	},
}

// settings decodes the top-level mapping into s.
func (d *decoder) settings(root *yaml.Node, s *settings) {
	if !d.isKind(root, "top level", yaml.MappingNode, "a mapping of settings") {
		return
	}
	d.mapping(root, "", func(key string, keyNode, value *yaml.Node) {
		field, ok := topFields[keyNode.Value]
		if !ok {
			d.problem(keyNode, key, "unknown key")
			return
		}
		field(d, key, value, s)
	})
}

// mapping calls fn for each key of the mapping n, after rejecting
// duplicate and non-scalar keys. prefix is prepended to key names.
func (d *decoder) mapping(n *yaml.Node, prefix string, fn func(key string, keyNode, value *yaml.Node)) {
	firstLine := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		keyNode, value := n.Content[i], n.Content[i+1]
		key := prefix + keyNode.Value
		if keyNode.Kind != yaml.ScalarNode {
			d.problem(keyNode, prefix+"?", "keys must be plain names")
			continue
		}
		if line, dup := firstLine[keyNode.Value]; dup {
			d.problem(keyNode, key, "duplicate key (first at line %d)", line)
			continue
		}
		firstLine[keyNode.Value] = keyNode.Line
		if value.Kind == yaml.AliasNode {
			d.problem(value, key, "YAML aliases are not supported")
			continue
		}
		fn(key, keyNode, value)
	}
}

// isKind reports whether n is of kind, recording a problem if not.
func (d *decoder) isKind(n *yaml.Node, key string, kind yaml.Kind, want string) bool {
	if n.Kind == kind {
		return true
	}
	d.problem(n, key, "expected %s, got %s", want, describe(n))
	return false
}

// isScalar reports whether n is a scalar with tag (such as "!!int"),
// recording a problem if not.
func (d *decoder) isScalar(n *yaml.Node, key, tag, want string) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == tag {
		return true
	}
	d.problem(n, key, "expected %s, got %s", want, describe(n))
	return false
}

// describe names what a node holds, for problems.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.ShortTag() == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

func (d *decoder) boolean(key string, n *yaml.Node, dst *bool) {
	if !d.isScalar(n, key, "!!bool", "true or false") {
		return
	}
	if err := n.Decode(dst); err != nil {
		d.problem(n, key, "%v", err)
	}
}

// integer decodes a whole number within [lo, hi].
func (d *decoder) integer(key string, n *yaml.Node, lo, hi int64) (int64, bool) {
	if isHugeInteger(n) {
		d.problem(n, key, "%s is out of range %d..%d", n.Value, lo, hi)
		return 0, false
	}
	if !d.isScalar(n, key, "!!int", "a whole number") {
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil || v < lo || v > hi {
		d.problem(n, key, "%s is out of range %d..%d", n.Value, lo, hi)
		return 0, false
	}
	return v, true
}

// isHugeInteger reports whether n is a run of digits too long for an
// int64, which YAML resolves to a float rather than an integer.
func isHugeInteger(n *yaml.Node) bool {
	digits := strings.TrimLeft(n.Value, "+-")
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" &&
		digits != "" && strings.Trim(digits, "0123456789") == ""
}

// duration decodes a Go duration string within [lo, hi], in whole
// milliseconds because that is what the module keeps.
func (d *decoder) duration(key string, n *yaml.Node, lo, hi time.Duration, dst *time.Duration) {
	if !d.isScalar(n, key, "!!str", "a duration such as "+lo.String()) {
		return
	}
	v, err := time.ParseDuration(n.Value)
	switch {
	case err != nil:
		d.problem(n, key, "%q is not a duration such as %v", n.Value, lo)
	case v < lo || v > hi:
		d.problem(n, key, "%v is out of range %v..%v", v, lo, hi)
	case v%time.Millisecond != 0:
		d.problem(n, key, "%v is not a whole number of milliseconds", v)
	default:
		*dst = v
	}
}

// sequence calls fn for each item of the list n, with the item's key
// such as "bridges[0]". Aliases are refused here as in mappings.
func (d *decoder) sequence(key string, n *yaml.Node, want string, fn func(itemKey string, item *yaml.Node)) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		d.problem(n, key, "expected %s, got nothing (write [] for none)", want)
		return false
	}
	if !d.isKind(n, key, yaml.SequenceNode, want) {
		return false
	}
	for i, item := range n.Content {
		itemKey := fmt.Sprintf("%s[%d]", key, i)
		if item.Kind == yaml.AliasNode {
			d.problem(item, itemKey, "YAML aliases are not supported")
			continue
		}
		fn(itemKey, item)
	}
	return true
}

// devices decodes a list of device names, each listed once in the file.
func (d *decoder) devices(key string, n *yaml.Node, dst *[]string) {
	names := []string{}
	ok := d.sequence(key, n, "a list of device names", func(itemKey string, item *yaml.Node) {
		if !d.isScalar(item, itemKey, "!!str", "a device name") {
			return
		}
		if reason := checkDeviceName(item.Value); reason != "" {
			d.problem(item, itemKey, "%s", reason)
			return
		}
		if first, dup := d.seenDevices[item.Value]; dup {
			d.problem(item, itemKey, "%s is already listed as %s at line %d", item.Value, first.key, first.line)
			return
		}
		if len(names) == sconnl.MaxDevices {
			d.problem(item, itemKey, "too many devices: at most %d per list", sconnl.MaxDevices)
			return
		}
		d.seenDevices[item.Value] = seenDevice{itemKey, item.Line}
		names = append(names, item.Value)
	})
	if ok {
		*dst = names
	}
}

// defaultBridgesNotUplinks refuses an uplink that is one of the default
// bridges when the file leaves bridges out: the file would otherwise name
// one device as both, which the checks in devices cannot see.
func (d *decoder) defaultBridgesNotUplinks(bridges []string) {
	for _, name := range bridges {
		first, listed := d.seenDevices[name]
		if !listed || !strings.HasPrefix(first.key, "uplinks") {
			continue
		}
		d.problems = append(d.problems, &Problem{
			File:   d.file,
			Line:   first.line,
			Key:    first.key,
			Reason: fmt.Sprintf("%s is a bridge by default; set bridges to use it as an uplink", name),
		})
	}
}

// checkDeviceName returns why the kernel would refuse name as a device
// name, or "" if it would not.
func checkDeviceName(name string) string {
	const ifNameSize = 16 // IFNAMSIZ, including the terminating NUL
	switch {
	case name == "":
		return "empty device name"
	case len(name) >= ifNameSize:
		return fmt.Sprintf("device name %q is %d bytes, longer than %d", name, len(name), ifNameSize-1)
	case name == "." || name == "..":
		return fmt.Sprintf("%q is not a device name", name)
	}
	for _, r := range name {
		if r == 0 || r == '/' || r == ':' || unicode.IsSpace(r) {
			return fmt.Sprintf("device name %q contains %q", name, r)
		}
	}
	// The kernel checks bytes, and its isspace takes 0xa0 for a space,
	// which UTF-8 uses inside other characters too.
	if strings.IndexByte(name, 0xa0) >= 0 {
		return fmt.Sprintf("device name %q contains the byte 0xa0, a space to the kernel", name)
	}
	return ""
}

// protocols decodes a list of "tcp" and "udp", each at most once.
func (d *decoder) protocols(key string, n *yaml.Node, dst *sconnl.Protocols) {
	var set sconnl.Protocols
	ok := d.sequence(key, n, "a list of tcp and udp", func(itemKey string, item *yaml.Node) {
		if !d.isScalar(item, itemKey, "!!str", "tcp or udp") {
			return
		}
		bit, known := protocolBits[item.Value]
		switch {
		case !known:
			d.problem(item, itemKey, "unknown protocol %q (want tcp or udp)", item.Value)
		case set&bit != 0:
			d.problem(item, itemKey, "%s is listed twice", item.Value)
		default:
			set |= bit
		}
	})
	if ok {
		*dst = set
	}
}

var protocolBits = map[string]sconnl.Protocols{"tcp": sconnl.ProtoTCP, "udp": sconnl.ProtoUDP}

var ipProtos = map[string]sconnl.IPProto{"tcp": sconnl.IPProtoTCP, "udp": sconnl.IPProtoUDP}

// excludes decodes the list of exclusions.
func (d *decoder) excludes(key string, n *yaml.Node, dst *[]sconnl.Exclude) {
	list := []sconnl.Exclude{}
	ok := d.sequence(key, n, "a list of exclusions", func(itemKey string, item *yaml.Node) {
		ex, ok := d.exclude(itemKey, item)
		if ok && len(list) == sconnl.MaxExcludes {
			d.problem(item, itemKey, "too many exclusions: at most %d", sconnl.MaxExcludes)
			return
		}
		if ok {
			list = append(list, ex)
		}
	})
	if ok {
		*dst = list
	}
}

// exclude decodes one exclusion: a mapping with a required cidr and an
// optional port and proto.
func (d *decoder) exclude(key string, n *yaml.Node) (sconnl.Exclude, bool) {
	if !d.isKind(n, key, yaml.MappingNode, "a mapping with cidr, port and proto") {
		return sconnl.Exclude{}, false
	}
	var ex sconnl.Exclude
	var hasCIDR bool
	before := len(d.problems)
	d.mapping(n, key+".", func(fieldKey string, keyNode, value *yaml.Node) {
		switch keyNode.Value {
		case "cidr":
			hasCIDR = true
			ex.Prefix = d.cidr(fieldKey, value)
		case "port":
			if v, ok := d.integer(fieldKey, value, 1, 65535); ok {
				ex.Port = uint16(v)
			}
		case "proto":
			if d.isScalar(value, fieldKey, "!!str", "tcp or udp") {
				ex.Proto = d.ipProto(fieldKey, value)
			}
		default:
			d.problem(keyNode, fieldKey, "unknown key (want cidr, port or proto)")
		}
	})
	if !hasCIDR {
		d.problem(n, key+".cidr", "required")
	}
	return ex, len(d.problems) == before
}

// cidr decodes an IPv4 network whose host bits are zero.
func (d *decoder) cidr(key string, n *yaml.Node) netip.Prefix {
	if !d.isScalar(n, key, "!!str", "an IPv4 CIDR such as 192.168.0.0/16") {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(n.Value)
	switch {
	case err != nil || !p.Addr().Is4():
		d.problem(n, key, "%q is not an IPv4 CIDR such as 192.168.0.0/16", n.Value)
	case p != p.Masked():
		d.problem(n, key, "%s has host bits set; the network is %s", p, p.Masked())
	default:
		return p
	}
	return netip.Prefix{}
}

func (d *decoder) ipProto(key string, n *yaml.Node) sconnl.IPProto {
	proto, ok := ipProtos[n.Value]
	if !ok {
		d.problem(n, key, "unknown protocol %q (want tcp or udp)", n.Value)
	}
	return proto
}
