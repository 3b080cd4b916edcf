// Command xfer moves a pseudo-random byte stream over one TCP connection and
// prints one line describing what this end sent or received, so that a test
// can compare the sha256 of both ends and the addresses each end saw.
//
//	xfer -l :80 [-send N]         accept one connection (server)
//	xfer -c 10.0.0.2:8080 [-send N] connect (client)
//
// The end given -send writes N bytes made from -seed, half-closes, and waits
// for the peer to close; the other end reads until EOF. Result line:
//
//	xfer role=recv bytes=20971520 sha256=... local=... remote=... secs=1.9
//
// -rate paces the sender (bytes per second) so that a test can act while a
// transfer runs; -progress FILE receives the byte count every 100 ms.
// -trickle N sends the first N bytes as small segments (200-byte writes,
// 20 ms apart) before the bulk, so that a fast path can cache the
// connection while its packets are still small.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

type options struct {
	listen, connect, bind, progress string
	send, rate, trickle             int64
	seed                            uint64
	timeout                         time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.listen, "l", "", "listen on `addr` and accept one connection")
	flag.StringVar(&o.connect, "c", "", "connect to `addr`")
	flag.StringVar(&o.bind, "bind", "", "local `addr` of the client")
	flag.StringVar(&o.progress, "progress", "", "write the byte count to `file` every 100 ms")
	flag.Int64Var(&o.send, "send", -1, "send `n` bytes (default: receive)")
	flag.Int64Var(&o.rate, "rate", 0, "pace sending to `bytes` per second (0: as fast as possible)")
	flag.Int64Var(&o.trickle, "trickle", 0, "send the first `n` bytes in 200-byte writes, 20 ms apart")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the byte stream")
	flag.DurationVar(&o.timeout, "timeout", 120*time.Second, "give up after `d`")
	flag.Parse()
	if (o.listen == "") == (o.connect == "") {
		fmt.Fprintln(os.Stderr, "xfer: give exactly one of -l and -c")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "xfer:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	deadline := time.Now().Add(o.timeout)
	conn, err := open(o, deadline)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}

	var count atomic.Int64
	stop := reportProgress(o.progress, &count)
	defer stop()

	start := time.Now()
	sum := sha256.New()
	role := "recv"
	if o.send >= 0 {
		role = "send"
		err = sendStream(conn, o, sum, &count)
	} else {
		err = recvStream(conn, sum, &count)
	}
	stop()
	fmt.Printf("xfer role=%s bytes=%d sha256=%s local=%s remote=%s secs=%.3f\n",
		role, count.Load(), hex.EncodeToString(sum.Sum(nil)),
		conn.LocalAddr(), conn.RemoteAddr(), time.Since(start).Seconds())
	return err
}

func open(o options, deadline time.Time) (*net.TCPConn, error) {
	if o.connect != "" {
		d := net.Dialer{Deadline: deadline}
		if o.bind != "" {
			local, err := net.ResolveTCPAddr("tcp", o.bind)
			if err != nil {
				return nil, err
			}
			d.LocalAddr = local
		}
		c, err := d.Dial("tcp", o.connect)
		if err != nil {
			return nil, err
		}
		return c.(*net.TCPConn), nil
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	if err := ln.(*net.TCPListener).SetDeadline(deadline); err != nil {
		return nil, err
	}
	c, err := ln.Accept()
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// sendStream writes o.send bytes, then waits for the peer's close so that
// the result line means "the receiver has read everything".
func sendStream(conn *net.TCPConn, o options, sum hash.Hash, count *atomic.Int64) error {
	var seed [32]byte
	copy(seed[:], strconv.FormatUint(o.seed, 10))
	src := rand.NewChaCha8(seed)
	buf := make([]byte, 32*1024)
	start := time.Now()
	for left := o.send; left > 0; {
		n := int64(len(buf))
		trickling := count.Load() < o.trickle
		if trickling {
			n = trickleWrite
		}
		if left < n {
			n = left
		}
		chunk := buf[:n]
		fill(src, chunk)
		if _, err := conn.Write(chunk); err != nil {
			return fmt.Errorf("after %d bytes: %w", count.Load(), err)
		}
		sum.Write(chunk)
		left -= n
		if trickling {
			count.Add(n)
			time.Sleep(trickleGap)
			start = time.Now()
			continue
		}
		pace(start, count.Add(n), o.rate)
	}
	if err := conn.CloseWrite(); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, conn); err != nil {
		return fmt.Errorf("waiting for the receiver to close: %w", err)
	}
	return nil
}

func recvStream(conn *net.TCPConn, sum hash.Hash, count *atomic.Int64) error {
	buf := make([]byte, 64*1024)
	for {
		n, err := conn.Read(buf)
		sum.Write(buf[:n])
		count.Add(int64(n))
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("after %d bytes: %w", count.Load(), err)
		}
	}
}

// What -trickle writes at a time: each write leaves as a segment of its
// own (Go sets TCP_NODELAY), far below any MTU.
const (
	trickleWrite = 200
	trickleGap   = 20 * time.Millisecond
)

func fill(src *rand.ChaCha8, b []byte) {
	for i := 0; i+8 <= len(b); i += 8 {
		v := src.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(b) &^ 7; i < len(b); i++ {
		b[i] = byte(src.Uint64())
	}
}

// pace sleeps until sent bytes are due at the given rate.
func pace(start time.Time, sent, rate int64) {
	if rate <= 0 {
		return
	}
	due := start.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

// reportProgress rewrites file with the byte count until the returned
// function is called; that function may be called more than once.
func reportProgress(file string, count *atomic.Int64) func() {
	if file == "" {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			writeCount(file, count.Load())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			close(done)
			<-finished
			writeCount(file, count.Load())
		}
	}
}

// writeCount replaces file by renaming, so that a reader never sees it
// empty or half written.
func writeCount(file string, n int64) {
	tmp := file + ".tmp"
	if os.WriteFile(tmp, []byte(strconv.FormatInt(n, 10)+"\n"), 0o644) == nil {
		os.Rename(tmp, file)
	}
}
