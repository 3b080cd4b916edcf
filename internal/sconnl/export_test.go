package sconnl

// The wire encoding, for the tests of package sconnl_test, which unlike
// these may import internal/config.
var (
	EncodeConfig = encodeConfig
	DecodeStatus = decodeStatus
)
