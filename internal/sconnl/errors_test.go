package sconnl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nlenc"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"
)

// extackKernel is a fake kernel at the netlink level, below genltest,
// because only there can a reply carry extended-ack attributes. It
// resolves testFamily and refuses every other request with errno and
// message, the way the kernel does for a capped acknowledgement.
func extackKernel(t *testing.T, errno unix.Errno, message string) nltest.Func {
	return func(reqs []netlink.Message) ([]netlink.Message, error) {
		req := reqs[0]
		if req.Header.Type == unix.GENL_ID_CTRL {
			return familyReply(t, req), nil
		}
		return []netlink.Message{extackError(req, errno, message)}, nil
	}
}

// familyReply answers a CTRL_CMD_GETFAMILY request with testFamily.
func familyReply(t *testing.T, req netlink.Message) []netlink.Message {
	ae := netlink.NewAttributeEncoder()
	ae.Uint16(unix.CTRL_ATTR_FAMILY_ID, testFamily.ID)
	ae.String(unix.CTRL_ATTR_FAMILY_NAME, testFamily.Name)
	ae.Uint32(unix.CTRL_ATTR_VERSION, uint32(testFamily.Version))
	attrs, err := ae.Encode()
	if err != nil {
		t.Fatalf("encode family: %v", err)
	}
	body, err := genetlink.Message{
		Header: genetlink.Header{Command: unix.CTRL_CMD_NEWFAMILY, Version: 2},
		Data:   attrs,
	}.MarshalBinary()
	if err != nil {
		t.Fatalf("marshal family: %v", err)
	}
	return []netlink.Message{{
		Header: netlink.Header{Sequence: req.Header.Sequence, PID: req.Header.PID},
		Data:   body,
	}}
}

// extackError builds an NLMSG_ERROR: the negative errno, the request's
// header alone (capped), then an NLMSGERR_ATTR_MSG attribute.
func extackError(req netlink.Message, errno unix.Errno, message string) netlink.Message {
	const headerLen = 16
	data := nlenc.Int32Bytes(-int32(errno))
	data = append(data, nlenc.Uint32Bytes(headerLen)...)
	data = append(data, nlenc.Uint16Bytes(uint16(req.Header.Type))...)
	data = append(data, nlenc.Uint16Bytes(uint16(req.Header.Flags))...)
	data = append(data, nlenc.Uint32Bytes(req.Header.Sequence)...)
	data = append(data, nlenc.Uint32Bytes(req.Header.PID)...)
	data = append(data, nltest.MustMarshalAttributes([]netlink.Attribute{
		{Type: unix.NLMSGERR_ATTR_MSG, Data: nlenc.Bytes(message)},
	})...)
	return netlink.Message{
		Header: netlink.Header{
			Type:     netlink.Error,
			Flags:    netlink.Capped | netlink.AcknowledgeTLVs,
			Sequence: req.Header.Sequence,
			PID:      req.Header.PID,
		},
		Data: data,
	}
}

func TestRefusalCarriesExtackMessage(t *testing.T) {
	conn := genetlink.NewConn(nltest.Dial(extackKernel(t, unix.EINVAL, "max_flows out of range")))
	c, err := newClient(conn)
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	defer c.Close()

	err = c.SetConfig(Config{MaxFlows: ptr(uint32(0))})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %#v is not an *Error", err)
	}
	want := &Error{Op: "set config", Errno: unix.EINVAL, Message: "max_flows out of range"}
	if *e != *want {
		t.Errorf("error = %#v, want %#v", e, want)
	}
	if text := "set config: invalid argument: max_flows out of range"; err.Error() != text {
		t.Errorf("error text %q, want %q", err, text)
	}
	if !errors.Is(err, unix.EINVAL) {
		t.Error("error does not unwrap to EINVAL")
	}
}

func TestRequestError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		text     string
		errno    unix.Errno
		isPerm   bool
		isNotDev bool
	}{
		{
			name:   "netlink EPERM",
			err:    &netlink.OpError{Op: "receive", Err: unix.EPERM},
			text:   "flush: operation not permitted",
			errno:  unix.EPERM,
			isPerm: true,
		},
		{
			name:     "netlink ENODEV with message",
			err:      &netlink.OpError{Op: "receive", Err: unix.ENODEV, Message: "no device eth9"},
			text:     "flush: no such device: no device eth9",
			errno:    unix.ENODEV,
			isNotDev: true,
		},
		{
			name:  "system call error",
			err:   &netlink.OpError{Op: "send", Err: os.NewSyscallError("sendmsg", unix.ENOBUFS)},
			text:  "flush: no buffer space available",
			errno: unix.ENOBUFS,
		},
		{
			name: "no errno",
			err:  fmt.Errorf("short read: %w", io.ErrUnexpectedEOF),
			text: "flush: short read: unexpected EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := requestError("flush", tt.err)
			if err.Error() != tt.text {
				t.Errorf("text %q, want %q", err, tt.text)
			}
			var e *Error
			if errors.As(err, &e) != (tt.errno != 0) || (e != nil && e.Errno != tt.errno) {
				t.Errorf("error %#v, want an *Error with errno %d", err, tt.errno)
			}
			if errors.Is(err, os.ErrPermission) != tt.isPerm {
				t.Errorf("errors.Is(os.ErrPermission) = %v, want %v", !tt.isPerm, tt.isPerm)
			}
			if errors.Is(err, unix.ENODEV) != tt.isNotDev {
				t.Errorf("errors.Is(ENODEV) = %v, want %v", !tt.isNotDev, tt.isNotDev)
			}
		})
	}
}
