package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

func stream(args []string) error {
	fs := flag.NewFlagSet("stream", flag.ExitOnError)
	life := fs.Duration("for", 5*time.Second, "send for `d`")
	interval := fs.Duration("interval", 10*time.Millisecond, "between requests")
	gap := fs.Duration("gap", 200*time.Millisecond, "report silences longer than `d`")
	c, err := dial(fs, args)
	if err != nil {
		return err
	}
	defer c.conn.Close()

	replies := make(chan time.Time, 1024)
	go c.listen(replies)
	end := time.Now().Add(*life)
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	sent, got := 0, 0
	var first, last time.Time
	for now := time.Now(); now.Before(end); now = time.Now() {
		select {
		case <-tick.C:
			if _, err := c.conn.WriteToUDP(c.request(uint64(sent)), c.target); err != nil {
				return err
			}
			sent++
		case at := <-replies:
			if first.IsZero() {
				first = at
			} else if at.Sub(last) > *gap {
				fmt.Printf("gap start=%s end=%s\n", unix(last), unix(at))
			}
			last = at
			got++
		}
	}
	if !last.IsZero() && end.Sub(last) > *gap {
		fmt.Printf("gap start=%s end=open\n", unix(last))
	}
	fmt.Printf("udprr sent=%d replies=%d first=%s last=%s local=%s\n",
		sent, got, unix(first), unix(last), c.conn.LocalAddr())
	return nil
}

// listen reports the arrival time of every intact reply from the target.
func (c *client) listen(replies chan<- time.Time) {
	buf := make([]byte, 65536)
	for {
		got, fromTarget, err := c.reply(buf, time.Time{})
		if errors.Is(err, os.ErrClosed) || err != nil {
			return
		}
		if _, intact := seqOf(got); intact && fromTarget {
			replies <- time.Now()
		}
	}
}

func unix(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%.3f", float64(t.UnixNano())/1e9)
}
