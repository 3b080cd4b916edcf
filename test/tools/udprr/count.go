package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

type tally struct {
	sent, replies, lost, corrupt, wrongAddr, dup int
}

func count(args []string) error {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	n := fs.Int("n", 1000, "number of requests")
	window := fs.Int("window", 16, "requests in flight")
	timeout := fs.Duration("timeout", time.Second, "wait this long for each reply")
	c, err := dial(fs, args)
	if err != nil {
		return err
	}
	defer c.conn.Close()

	start := time.Now()
	t, err := c.exchange(*n, *window, *timeout)
	if err != nil {
		return err
	}
	fmt.Printf("udprr sent=%d replies=%d lost=%d corrupt=%d wrongaddr=%d dup=%d local=%s secs=%.3f\n",
		t.sent, t.replies, t.lost, t.corrupt, t.wrongAddr, t.dup,
		c.conn.LocalAddr(), time.Since(start).Seconds())
	if t.lost+t.corrupt+t.wrongAddr > 0 {
		os.Exit(1)
	}
	return nil
}

// exchange sends n requests with at most window unanswered at a time.
func (c *client) exchange(n, window int, timeout time.Duration) (tally, error) {
	var t tally
	pending := map[uint64][]byte{}
	due := map[uint64]time.Time{}
	buf := make([]byte, 65536)
	next := uint64(0)
	for t.sent < n || len(pending) > 0 {
		for t.sent < n && len(pending) < window {
			req := c.request(next)
			if _, err := c.conn.WriteToUDP(req, c.target); err != nil {
				return t, err
			}
			pending[next], due[next] = req, time.Now().Add(timeout)
			next++
			t.sent++
		}
		got, fromTarget, err := c.reply(buf, earliest(due))
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.lost += expire(pending, due, time.Now())
			continue
		}
		if err != nil {
			return t, err
		}
		t.replies++
		seq, intact := seqOf(got)
		req, ok := pending[seq]
		switch {
		case !fromTarget:
			t.wrongAddr++
			continue
		case !intact || (ok && !bytes.Equal(req, got)):
			t.corrupt++
		case !ok:
			t.dup++ // late reply to a request already counted lost
		}
		delete(pending, seq)
		delete(due, seq)
	}
	return t, nil
}

func earliest(due map[uint64]time.Time) time.Time {
	var first time.Time
	for _, d := range due {
		if first.IsZero() || d.Before(first) {
			first = d
		}
	}
	return first
}

// expire forgets the requests whose reply is overdue and counts them.
func expire(pending map[uint64][]byte, due map[uint64]time.Time, now time.Time) int {
	lost := 0
	for seq, d := range due {
		if !d.After(now) {
			delete(pending, seq)
			delete(due, seq)
			lost++
		}
	}
	return lost
}
