package main

import (
	"bytes"
	"encoding/binary"
	"syscall"
	"testing"
)

const testFamily = 0x1d

func TestClassify(t *testing.T) {
	g := newGenerator(1, testFamily, 1)
	setConfig := nlmsg(testFamily, flagRequest|flagAck, 7, cmdSetConfig, 1, attr(attrEnabled, []byte{1}))
	tests := []struct {
		name             string
		b                []byte
		answered, change bool
	}{
		{"set_config", setConfig, true, true},
		{"status", nlmsg(testFamily, flagRequest|flagAck, 7, cmdGetStatus, 1, nil), true, false},
		{"flush as a dump", nlmsg(testFamily, flagRequest|flagDump, 7, cmdFlush, 1, nil), true, true},
		{"not a request", nlmsg(testFamily, flagAck, 7, cmdFlush, 1, nil), true, false},
		{"control message", nlmsg(3, flagRequest|flagAck, 7, cmdFlush, 1, nil), true, false},
		{"genl header cut", setConfig[:nlmsgHdrLen+2], true, false},
		{"shorter than a header", setConfig[:10], false, false},
		{"length past the datagram", setLen(setConfig, len(setConfig)+4), false, false},
		{"length below a header", setLen(setConfig, 8), false, false},
	}
	for _, tt := range tests {
		b := append([]byte(nil), tt.b...)
		if tt.name == "genl header cut" {
			b = setLen(b, len(b))
		}
		answered, change := g.classify(b)
		if answered != tt.answered || change != tt.change {
			t.Errorf("%s: answered %v change %v, want %v %v", tt.name, answered, change, tt.answered, tt.change)
		}
	}
}

func setLen(b []byte, n int) []byte {
	b = append([]byte(nil), b...)
	binary.NativeEndian.PutUint32(b, uint32(n))
	return b
}

// A seed gives the same messages every time, so that a failure can be
// replayed with -seed.
func TestGeneratorRepeats(t *testing.T) {
	a, b := newGenerator(42, testFamily, 1), newGenerator(42, testFamily, 1)
	kinds := map[string]int{}
	for seq := uint32(1); seq <= 2000; seq++ {
		ma, mb := a.message(seq), b.message(seq)
		if !bytes.Equal(ma.bytes, mb.bytes) {
			t.Fatalf("message %d differs between two generators of one seed", seq)
		}
		kinds[ma.kind]++
	}
	for _, kind := range []string{"random", "mutated", "valid", "broken"} {
		if kinds[kind] == 0 {
			t.Errorf("no %s message in 2000", kind)
		}
	}
}

func TestScanAnswer(t *testing.T) {
	reply := nlmsg(testFamily, flagMulti, 9, cmdGetFlows, 1, attr(1, u32(1)))
	other := nlmsg(testFamily, flagMulti, 8, cmdGetFlows, 1, nil)
	done := control(nlmsgDone, 9, u32(0))
	errno := -int32(syscall.ERANGE)
	refusal := control(nlmsgError, 9, cat(u32(uint32(errno)), make([]byte, nlmsgHdrLen)))

	var a answer
	finished, err := scanAnswer(cat(reply, other, reply), 9, &a)
	if finished || err != nil || a.replies != 2 {
		t.Fatalf("two replies and another's: finished %v err %v replies %d", finished, err, a.replies)
	}
	if finished, err = scanAnswer(done, 9, &a); !finished || err != nil || !a.done || a.errno != 0 {
		t.Fatalf("NLMSG_DONE: finished %v err %v answer %+v", finished, err, a)
	}
	a = answer{}
	if finished, err = scanAnswer(refusal, 9, &a); !finished || err != nil || a.errno != syscall.ERANGE {
		t.Fatalf("NLMSG_ERROR: finished %v err %v answer %+v", finished, err, a)
	}
	if _, err = scanAnswer(setLen(reply, 4), 9, &a); err == nil {
		t.Fatal("a message of length 4 went unnoticed")
	}
}

// control frames a netlink message without a genetlink header.
func control(typ uint16, seq uint32, payload []byte) []byte {
	b := make([]byte, nlmsgHdrLen, nlmsgHdrLen+len(payload))
	binary.NativeEndian.PutUint32(b, uint32(nlmsgHdrLen+len(payload)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint32(b[8:], seq)
	return append(b, payload...)
}
