package sconnl_test

import (
	"net/netip"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"scon/internal/config"
	"scon/internal/sconnl"
)

// FuzzFileToRequest follows a configuration file to the SET_CONFIG
// request `sconctl apply` sends: every file internal/config accepts
// encodes, and the request reads back as the file's configuration.
//
//	go test ./internal/sconnl -run '^$' -fuzz FuzzFileToRequest -fuzztime 30s
func FuzzFileToRequest(f *testing.F) {
	for _, path := range []string{"../config/testdata/full.yaml", "../../configs/scon.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("revalidate_interval: 60s\nidle_timeout: 1h\nexclude: [{cidr: 0.0.0.0/0, port: 65535, proto: tcp}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		attrs, err := sconnl.EncodeConfig(cfg)
		if err != nil {
			t.Fatalf("accepted file does not encode: %v", err)
		}
		st, err := sconnl.DecodeStatus(attrs)
		if err != nil {
			t.Fatalf("request does not decode: %v", err)
		}
		got := sconnl.Config{
			Enabled: &st.Enabled, MaxFlows: &st.MaxFlows,
			RevalidateInterval: &st.RevalidateInterval, IdleTimeout: &st.IdleTimeout,
			Protocols: &st.Protocols, Bridges: &st.Bridges, Uplinks: &st.Uplinks,
			Excludes: &st.Excludes,
		}
		opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})}
		if diff := cmp.Diff(cfg, got, opts); diff != "" {
			t.Errorf("request reads back otherwise (-file +request):\n%s", diff)
		}
	})
}
