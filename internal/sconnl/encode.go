package sconnl

import (
	"fmt"
	"math"
	"time"

	"github.com/mdlayher/netlink"
)

// encodeConfig returns the attributes of a CmdSetConfig request: one per
// non-nil field of cfg, nothing for the others.
func encodeConfig(cfg Config) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	if err := encodeScalars(ae, cfg); err != nil {
		return nil, err
	}
	if cfg.Bridges != nil {
		ae.Nested(AttrBridges, namesEncoder(*cfg.Bridges))
	}
	if cfg.Uplinks != nil {
		ae.Nested(AttrUplinks, namesEncoder(*cfg.Uplinks))
	}
	if cfg.Excludes != nil {
		ae.Nested(AttrExcludes, excludesEncoder(*cfg.Excludes))
	}
	return ae.Encode()
}

// encodeScalars adds the set single-value fields of cfg to ae.
func encodeScalars(ae *netlink.AttributeEncoder, cfg Config) error {
	if cfg.Enabled != nil {
		ae.Uint8(AttrEnabled, boolU8(*cfg.Enabled))
	}
	if cfg.MaxFlows != nil {
		ae.Uint32(AttrMaxFlows, *cfg.MaxFlows)
	}
	if cfg.RevalidateInterval != nil {
		ms, err := durationMS(*cfg.RevalidateInterval)
		if err != nil {
			return fmt.Errorf("revalidate interval: %w", err)
		}
		ae.Uint32(AttrRevalidateMS, ms)
	}
	if cfg.IdleTimeout != nil {
		ms, err := durationMS(*cfg.IdleTimeout)
		if err != nil {
			return fmt.Errorf("idle timeout: %w", err)
		}
		ae.Uint32(AttrIdleTimeoutMS, ms)
	}
	if cfg.Protocols != nil {
		ae.Uint32(AttrProtocols, uint32(*cfg.Protocols))
	}
	return nil
}

// durationMS converts d to the u32 milliseconds of the wire, refusing
// what would otherwise be silently rounded or wrapped.
func durationMS(d time.Duration) (uint32, error) {
	if d < 0 || d%time.Millisecond != 0 {
		return 0, fmt.Errorf("%v is not a whole, positive number of milliseconds", d)
	}
	ms := d.Milliseconds()
	if ms > math.MaxUint32 {
		return 0, fmt.Errorf("%v is too long", d)
	}
	return uint32(ms), nil
}

// namesEncoder returns the body of a nest with one AttrName per name.
func namesEncoder(names []string) func(*netlink.AttributeEncoder) error {
	return func(nae *netlink.AttributeEncoder) error {
		for _, name := range names {
			nae.String(AttrName, name)
		}
		return nil
	}
}

// excludesEncoder returns the body of an AttrExcludes nest.
func excludesEncoder(excludes []Exclude) func(*netlink.AttributeEncoder) error {
	return func(nae *netlink.AttributeEncoder) error {
		for _, ex := range excludes {
			if !ex.Prefix.IsValid() || !ex.Prefix.Addr().Is4() {
				return fmt.Errorf("exclusion %v: not an IPv4 network", ex.Prefix)
			}
			nae.Nested(AttrExclude, excludeEncoder(ex))
		}
		return nil
	}
}

// excludeEncoder returns the body of one AttrExclude nest. The port and
// protocol are optional on the wire, so "any" is sent by leaving them out.
func excludeEncoder(ex Exclude) func(*netlink.AttributeEncoder) error {
	return func(nae *netlink.AttributeEncoder) error {
		// The address goes out with its host bits cleared: they cannot
		// mean anything under the prefix.
		addr := ex.Prefix.Masked().Addr().As4()
		nae.Bytes(ExclAttrAddr, addr[:])
		nae.Uint8(ExclAttrPrefix, uint8(ex.Prefix.Bits()))
		if ex.Port != 0 {
			nae.Uint16(ExclAttrPort, ex.Port)
		}
		if ex.Proto != 0 {
			nae.Uint8(ExclAttrProto, uint8(ex.Proto))
		}
		return nil
	}
}

// nameAttr returns the attributes of a request naming one device.
func nameAttr(name string) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(AttrName, name)
	return ae.Encode()
}

func boolU8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
