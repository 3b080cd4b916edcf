package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// rawConn is a generic netlink socket without any library in the way, so
// that the fuzzer can send bytes no encoder would produce (lying lengths,
// truncated headers) and read the answers as the kernel wrote them.
type rawConn struct {
	fd  int
	buf []byte
}

const (
	nlmsgDone    = 3
	flagRequest  = 0x1
	flagMulti    = 0x2
	flagAck      = 0x4
	flagDump     = 0x300
	genlHdrLen   = 4
	answerPeriod = 5 * time.Second // longest wait for one answer
)

// errNoAnswer: the kernel did not answer a request within answerPeriod.
var errNoAnswer = errors.New("no answer")

func dialRaw() (*rawConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	c := &rawConn{fd: fd, buf: make([]byte, 1<<20)}
	if err := c.setup(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *rawConn) setup() error {
	if err := unix.Bind(c.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("bind netlink socket: %w", err)
	}
	if err := unix.SetsockoptInt(c.fd, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1); err != nil {
		return fmt.Errorf("NETLINK_EXT_ACK: %w", err)
	}
	tv := unix.NsecToTimeval(answerPeriod.Nanoseconds())
	return unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
}

func (c *rawConn) Close() error { return unix.Close(c.fd) }

func (c *rawConn) send(b []byte) error {
	return unix.Sendto(c.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// recv reads one datagram (which may hold several messages).
func (c *rawConn) recv() ([]byte, error) {
	n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EWOULDBLOCK) {
		return nil, errNoAnswer
	}
	if err != nil {
		return nil, err
	}
	return c.buf[:n], nil
}

// answer is how the kernel ended a request: an NLMSG_ERROR (ack or
// refusal) or, for a dump, NLMSG_DONE; replies is what came before it.
type answer struct {
	errno   syscall.Errno
	done    bool // ended by NLMSG_DONE
	replies int  // messages of the request's sequence before the end
	ack     ack  // the extended ack of an NLMSG_ERROR
}

// await reads until the message that ends request seq, or fails with
// errNoAnswer after answerPeriod without data.
func (c *rawConn) await(seq uint32) (answer, error) {
	var a answer
	for {
		b, err := c.recv()
		if err != nil {
			return a, err
		}
		if finished, err := scanAnswer(b, seq, &a); finished || err != nil {
			return a, err
		}
	}
}

// scanAnswer walks the messages of one datagram, counting the replies to
// seq into a, and reports whether one of them ended the request.
func scanAnswer(b []byte, seq uint32, a *answer) (bool, error) {
	for len(b) >= nlmsgHdrLen {
		length := int(binary.NativeEndian.Uint32(b))
		if length < nlmsgHdrLen || length > len(b) {
			return false, fmt.Errorf("kernel sent a message of length %d in %d bytes", length, len(b))
		}
		typ := binary.NativeEndian.Uint16(b[4:])
		flags := binary.NativeEndian.Uint16(b[6:])
		if binary.NativeEndian.Uint32(b[8:]) == seq {
			switch typ {
			case nlmsgError:
				a.ack = parseAck(b[nlmsgHdrLen:length], flags)
				a.errno = a.ack.errno
				return true, nil
			case nlmsgDone:
				a.done = true
				if length >= nlmsgHdrLen+4 {
					a.errno = syscall.Errno(-int32(binary.NativeEndian.Uint32(b[nlmsgHdrLen:])))
				}
				return true, nil
			}
			a.replies++
		}
		b = b[min(align4(length), len(b)):]
	}
	return false, nil
}

// nlmsg frames a generic netlink message: header, genl header, attributes.
func nlmsg(typ, flags uint16, seq uint32, cmd, version uint8, attrs []byte) []byte {
	b := make([]byte, nlmsgHdrLen+genlHdrLen, nlmsgHdrLen+genlHdrLen+len(attrs))
	binary.NativeEndian.PutUint32(b, uint32(len(b)+len(attrs)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	b[16] = cmd
	b[17] = version
	return append(b, attrs...)
}
