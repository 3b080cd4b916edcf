package main

import (
	"fmt"
	"syscall"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// runDumps starts n flow dumps and closes each socket after reading only
// the first one to three parts, which leaves the kernel's dump state to
// be cleaned up by the socket's release. Then one dump sees a flush
// between its parts and must still end cleanly, and a full dump and a
// status request must work. Meaningful with thousands of cached flows,
// which take dozens of parts to dump.
func runDumps(name string, n int) (int, error) {
	c, fam, err := dial(name)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	t0 := time.Now()
	full, err := fullDump(fam)
	if err != nil {
		return 1, fmt.Errorf("full dump before: %w", err)
	}
	fmt.Printf("nlbad: a full dump: %d flow directions\n", full)

	read := 0
	for i := 0; i < n; i++ {
		got, err := partialDump(fam, 1+i%3)
		if err != nil {
			return 1, fmt.Errorf("interrupted dump %d: %w", i, err)
		}
		read += got
		if i%50 == 49 {
			if _, err := status(c, fam); err != nil {
				return 1, fmt.Errorf("status after %d interrupted dumps: %w", i+1, err)
			}
		}
	}
	fmt.Printf("nlbad: %d dumps closed after 1-3 parts: %d flow directions read in %.1f s\n",
		n, read, time.Since(t0).Seconds())

	rest, err := flushMidDump(c, fam)
	if err != nil {
		return 1, fmt.Errorf("dump with a flush between its parts: %w", err)
	}
	fmt.Printf("ok   dump with a flush after its first part ended cleanly (%d more flow directions)\n", rest)
	if _, err := fullDump(fam); err != nil {
		return 1, fmt.Errorf("full dump after: %w", err)
	}
	if _, err := status(c, fam); err != nil {
		return 1, fmt.Errorf("status after: %w", err)
	}
	fmt.Println("ok   full dump and status work after the interrupted dumps")
	return 0, nil
}

// startDump opens a socket and sends a flow dump request on it.
func startDump(fam genetlink.Family) (*rawConn, error) {
	conn, err := dialRaw()
	if err != nil {
		return nil, err
	}
	req := nlmsg(fam.ID, flagRequest|flagDump, 1, cmdGetFlows, fam.Version, nil)
	if err := conn.send(req); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// fullDump reads a whole dump and returns its number of messages.
func fullDump(fam genetlink.Family) (int, error) {
	conn, err := startDump(fam)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return finishDump(conn)
}

func finishDump(conn *rawConn) (int, error) {
	a, err := conn.await(1)
	if err != nil {
		return a.replies, err
	}
	if !a.done || a.errno != 0 {
		return a.replies, fmt.Errorf("dump ended with %v (NLMSG_DONE: %v)", syscall.Errno(a.errno), a.done)
	}
	return a.replies, nil
}

// partialDump reads parts datagrams of a dump, then closes the socket.
func partialDump(fam genetlink.Family, parts int) (int, error) {
	conn, err := startDump(fam)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var a answer
	for ; parts > 0; parts-- {
		b, err := conn.recv()
		if err != nil {
			return a.replies, err
		}
		if finished, err := scanAnswer(b, 1, &a); finished || err != nil {
			return a.replies, err
		}
	}
	return a.replies, nil
}

// flushMidDump reads the first part of a dump, flushes the cache and
// reads the rest, which must end with NLMSG_DONE and no error.
func flushMidDump(c *genetlink.Conn, fam genetlink.Family) (int, error) {
	conn, err := startDump(fam)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var a answer
	b, err := conn.recv()
	if err != nil {
		return 0, err
	}
	if finished, err := scanAnswer(b, 1, &a); finished || err != nil {
		return 0, err
	}
	_, err = c.Execute(genetlink.Message{
		Header: genetlink.Header{Command: cmdFlush, Version: fam.Version},
	}, fam.ID, netlink.Request|netlink.Acknowledge)
	if err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	return finishDump(conn)
}
