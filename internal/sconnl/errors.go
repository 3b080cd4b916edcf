package sconnl

import (
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ErrNotLoaded is returned by Dial when the kernel has no "scon" generic
// netlink family, which means the module is not loaded.
var ErrNotLoaded = errors.New("scon module is not loaded (modprobe scon or insmod scon.ko)")

// Error is a request that failed with an errno, normally one the kernel
// refused. It unwraps to the errno, so errors.Is(err, os.ErrPermission)
// holds for EPERM and errors.Is(err, unix.ENODEV) for ENODEV.
type Error struct {
	Op      string     // the request, such as "attach eth0"
	Errno   unix.Errno // why it failed
	Message string     // the kernel's extended-ack message, often empty
}

// Error returns "OP: ERRNO TEXT" followed by ": MESSAGE" if there is one.
func (e *Error) Error() string {
	text := e.Op + ": " + e.Errno.Error()
	if e.Message != "" {
		text += ": " + e.Message
	}
	return text
}

// Unwrap returns the errno.
func (e *Error) Unwrap() error { return e.Errno }

// requestError is the one place that turns what the netlink packages
// return into this package's errors: an *Error when there is an errno
// (with the extended-ack message a *netlink.OpError carries), otherwise
// err wrapped with op.
func requestError(op string, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &Error{Op: op, Errno: errno}
	var opErr *netlink.OpError
	if errors.As(err, &opErr) {
		e.Message = opErr.Message
	}
	return e
}
