package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// Extended acknowledgement attributes (linux/netlink.h). The netlink
// package passes on only the message and the offset; the missing-attribute
// report that GENL_REQ_ATTR_CHECK gives needs the raw answer.
const (
	nlmsgerrAttrMsg      = 1
	nlmsgerrAttrOffs     = 2
	nlmsgerrAttrMissType = 5

	nlmsgError  = 2
	flagCapped  = 0x100
	flagAckTLVs = 0x200
	nlmsgHdrLen = 16
)

// ack is the kernel's answer to one request.
type ack struct {
	errno    syscall.Errno
	msg      string
	offset   uint32 // 0: none
	missType uint32 // 0: none
}

// explained: the extended ack says what is wrong, in words or by naming
// the missing attribute.
func (a ack) explained() bool { return a.msg != "" || a.missType != 0 }

// pointed: the extended ack locates the offending attribute.
func (a ack) pointed() bool { return a.offset != 0 || a.missType != 0 }

func (a ack) String() string {
	return fmt.Sprintf("errno=%s extack=%q offset=%d missing_type=%d",
		errnoName(a.errno), a.msg, a.offset, a.missType)
}

// request sends one generic netlink request and returns the acknowledgement
// for it, skipping any reply that comes first.
func request(c *genetlink.Conn, fam genetlink.Family, cmd uint8, attrs []byte) (ack, error) {
	req, err := c.Send(genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: fam.Version},
		Data:   attrs,
	}, fam.ID, netlink.Request|netlink.Acknowledge)
	if err != nil {
		return ack{}, err
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return ack{}, err
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return ack{}, err
	}
	buf := make([]byte, 1<<16)
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = syscall.Recvfrom(int(fd), buf, 0)
			return !errors.Is(rerr, syscall.EAGAIN)
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			return ack{}, err
		}
		if a, ok := findAck(buf[:n], req.Header.Sequence); ok {
			return a, nil
		}
	}
}

// findAck looks for the error message answering sequence number seq.
func findAck(b []byte, seq uint32) (ack, bool) {
	for len(b) >= nlmsgHdrLen {
		length := int(binary.NativeEndian.Uint32(b))
		if length < nlmsgHdrLen || length > len(b) {
			return ack{}, false
		}
		typ := binary.NativeEndian.Uint16(b[4:])
		flags := binary.NativeEndian.Uint16(b[6:])
		if typ == nlmsgError && binary.NativeEndian.Uint32(b[8:]) == seq {
			return parseAck(b[nlmsgHdrLen:length], flags), true
		}
		b = b[align4(length):]
	}
	return ack{}, false
}

// parseAck decodes struct nlmsgerr and, when present, the TLVs after the
// echoed request (only its header when the kernel capped it).
func parseAck(p []byte, flags uint16) ack {
	var a ack
	if len(p) < 4+nlmsgHdrLen {
		return a
	}
	a.errno = syscall.Errno(-int32(binary.NativeEndian.Uint32(p)))
	echoed := nlmsgHdrLen
	if flags&flagCapped == 0 {
		echoed = int(binary.NativeEndian.Uint32(p[4:]))
	}
	if flags&flagAckTLVs == 0 || 4+align4(echoed) > len(p) {
		return a
	}
	attrs, err := netlink.UnmarshalAttributes(p[4+align4(echoed):])
	if err != nil {
		return a
	}
	for _, at := range attrs {
		switch at.Type {
		case nlmsgerrAttrMsg:
			a.msg = strings.TrimRight(string(at.Data), "\x00")
		case nlmsgerrAttrOffs:
			a.offset = binary.NativeEndian.Uint32(at.Data)
		case nlmsgerrAttrMissType:
			a.missType = binary.NativeEndian.Uint32(at.Data)
		}
	}
	return a
}

func align4(n int) int { return (n + 3) &^ 3 }
