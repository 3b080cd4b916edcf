// Command mqttlat measures MQTT publish-to-receive latency through a
// broker: one client subscribes to a topic, another publishes to it one
// message at a time, and each sample is the time from handing a message to
// the publisher's socket to its arrival at the subscriber.
//
//	mqttlat -c 10.0.0.2:1883 [-n N] [-for D] [-size B] [-timeout D]
//
// Both clients speak MQTT 3.1.1 at QoS 0 (CONNECT, SUBSCRIBE, PUBLISH,
// DISCONNECT: all a latency probe needs, so no client library). It stops
// after -n messages or after -for, whichever comes first; the first
// -warmup messages are not measured; a message not received within
// -timeout counts as lost. Result line (microseconds):
//
//	mqtt n=2000 lost=0 avg_us=900.1 p50_us=850 p99_us=2100 max_us=4000 secs=1.90
//
// It exits 1 when nothing was measured.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"scon/test/tools/internal/tool"
)

const topic = "scon/bench"

type options struct {
	target  string
	n       int
	warmup  int
	size    int
	life    time.Duration
	timeout time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.target, "c", "", "broker `addr`")
	flag.IntVar(&o.n, "n", 2000, "measured messages at most")
	flag.IntVar(&o.warmup, "warmup", 20, "messages before measuring")
	flag.IntVar(&o.size, "size", 64, "payload size, bytes (at least 8)")
	flag.DurationVar(&o.life, "for", 3*time.Second, "measure for `d` at most")
	flag.DurationVar(&o.timeout, "timeout", time.Second, "wait this long for each message")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "mqttlat:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.target == "" || o.size < 8 || o.n < 1 {
		return errors.New("need -c, -size >= 8 and -n >= 1")
	}
	sub, err := connect(o.target, fmt.Sprintf("sub-%d", os.Getpid()))
	if err != nil {
		return fmt.Errorf("subscriber: %w", err)
	}
	defer sub.close()
	if err := sub.subscribe(topic); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	pub, err := connect(o.target, fmt.Sprintf("pub-%d", os.Getpid()))
	if err != nil {
		return fmt.Errorf("publisher: %w", err)
	}
	defer pub.close()

	got := make(chan uint64, 64)
	go sub.receive(got)
	return measure(pub, got, o)
}

// measure publishes message after message, each once the previous one
// arrived or timed out, and prints the result line.
func measure(pub *client, got <-chan uint64, o options) error {
	payload := make([]byte, o.size)
	samples := make([]time.Duration, 0, o.n)
	lost := 0
	var start, end time.Time
	for seq := uint64(0); ; seq++ {
		if seq == uint64(o.warmup) {
			start = time.Now()
			end = start.Add(o.life)
		}
		measured := seq >= uint64(o.warmup)
		if measured && (len(samples)+lost >= o.n || time.Now().After(end)) {
			break
		}
		binary.BigEndian.PutUint64(payload, seq)
		t0 := time.Now()
		if err := pub.publish(topic, payload); err != nil {
			return err
		}
		ok, err := await(got, seq, o.timeout)
		if err != nil {
			return err
		}
		switch {
		case !measured && !ok:
			return fmt.Errorf("warmup message %d never arrived", seq)
		case !measured:
		case ok:
			samples = append(samples, time.Since(t0))
		default:
			lost++
		}
	}
	secs := time.Since(start).Seconds()
	if len(samples) == 0 {
		return fmt.Errorf("no message arrived in %.1f s (%d lost)", secs, lost)
	}
	l := tool.Summarize(samples)
	fmt.Printf("mqtt n=%d lost=%d avg_us=%.1f p50_us=%d p99_us=%d max_us=%d secs=%.2f\n",
		len(samples), lost, l.Avg, l.P50, l.P99, l.Max, secs)
	return nil
}

// await waits for message seq; earlier, late messages are skipped.
func await(got <-chan uint64, seq uint64, timeout time.Duration) (bool, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case s, open := <-got:
			if !open {
				return false, errors.New("subscriber connection closed")
			}
			if s == seq {
				return true, nil
			}
		case <-timer.C:
			return false, nil
		}
	}
}

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

// connect opens a clean MQTT session and waits for the broker's CONNACK.
func connect(addr, id string) (*client, error) {
	conn, err := net.DialTimeout("tcp4", addr, 3*time.Second)
	if err != nil {
		return nil, err
	}
	c := &client{conn: conn, r: bufio.NewReader(conn)}
	var vh []byte
	vh = appendString(vh, "MQTT")
	vh = append(vh, 4, 0x02, 0, 60) // level 3.1.1, clean session, keepalive 60 s
	vh = appendString(vh, id)
	if err := c.send(0x10, vh); err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	typ, body, err := c.read()
	conn.SetReadDeadline(time.Time{})
	switch {
	case err != nil:
	case typ != 0x20 || len(body) != 2:
		err = fmt.Errorf("expected CONNACK, got packet type %#x", typ)
	case body[1] != 0:
		err = fmt.Errorf("broker refused the connection: return code %d", body[1])
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

func (c *client) subscribe(filter string) error {
	b := []byte{0, 1} // packet identifier
	b = appendString(b, filter)
	b = append(b, 0) // QoS 0
	if err := c.send(0x82, b); err != nil {
		return err
	}
	c.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	defer c.conn.SetReadDeadline(time.Time{})
	typ, body, err := c.read()
	if err != nil {
		return err
	}
	if typ != 0x90 || len(body) < 3 || body[2] == 0x80 {
		return fmt.Errorf("subscription refused (packet type %#x)", typ)
	}
	return nil
}

func (c *client) publish(topic string, payload []byte) error {
	b := appendString(nil, topic)
	return c.send(0x30, append(b, payload...))
}

// receive sends the sequence number of every PUBLISH that arrives to got,
// until the connection ends.
func (c *client) receive(got chan<- uint64) {
	defer close(got)
	for {
		typ, body, err := c.read()
		if err != nil {
			return
		}
		if typ&0xf0 != 0x30 || len(body) < 2 {
			continue
		}
		off := 2 + int(binary.BigEndian.Uint16(body))
		if typ&0x06 != 0 { // QoS > 0 carries a packet identifier
			off += 2
		}
		if len(body) >= off+8 {
			got <- binary.BigEndian.Uint64(body[off:])
		}
	}
}

func (c *client) close() {
	c.send(0xe0, nil)
	c.conn.Close()
}

// send writes one control packet: type and flags, remaining length, body.
func (c *client) send(typ byte, body []byte) error {
	b := append([]byte{typ}, remainingLength(len(body))...)
	_, err := c.conn.Write(append(b, body...))
	return err
}

func (c *client) read() (byte, []byte, error) {
	typ, err := c.r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, mult := 0, 1
	for i := 0; ; i++ {
		d, err := c.r.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		n += int(d&0x7f) * mult
		if d&0x80 == 0 {
			break
		}
		if i == 3 {
			return 0, nil, errors.New("malformed remaining length")
		}
		mult *= 128
	}
	body := make([]byte, n)
	_, err = io.ReadFull(c.r, body)
	return typ, body, err
}

func remainingLength(n int) []byte {
	var b []byte
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		b = append(b, d)
		if n == 0 {
			return b
		}
	}
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}
