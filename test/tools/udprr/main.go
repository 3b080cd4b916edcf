// Command udprr measures UDP request/response through NAT and caches.
//
//	udprr serve  -l :80                  echo every datagram to its sender
//	udprr count  -c 10.0.0.2:8080 -n N   N numbered requests, check replies
//	udprr stream -c 10.0.0.2:8080 -for D send for D, report reply gaps
//
// serve prints "peer=ADDR" the first time it hears from an address, so that
// a test sees which source a NAT presented.
//
// count keeps -window requests in flight. Each request carries its number
// and a checksum of its payload; a reply counts as corrupt when it differs
// from its request, as wrong-address when it comes from another address
// than the one the request went to, and as lost when none arrives within
// -timeout. It exits 1 when any request was lost or corrupted or answered
// from a wrong address.
//
// stream sends one request every -interval and prints the times (Unix
// seconds) of the first and last reply and of every gap longer than -gap,
// so that a test can tell when a rule stopped the traffic and when it came
// back. A gap still open at the end has end=open.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"scon/test/tools/internal/tool"
)

const header = 12 // sequence number (8) + crc32 of the rest (4)

func main() {
	tool.Main("udprr", map[string]tool.Command{
		"serve":  serve,
		"count":  count,
		"stream": stream,
	})
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("l", ":80", "listen `addr`")
	life := fs.Duration("for", 10*time.Minute, "exit after `d`")
	fs.Parse(args)

	conn, err := net.ListenPacket("udp4", *listen)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(*life))
	seen := map[string]bool{}
	buf := make([]byte, 65536)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil
			}
			return err
		}
		if !seen[from.String()] {
			seen[from.String()] = true
			fmt.Printf("peer=%s\n", from)
		}
		if _, err := conn.WriteTo(buf[:n], from); err != nil {
			return err
		}
	}
}

type client struct {
	conn   *net.UDPConn
	target *net.UDPAddr
	rng    *rand.Rand
	minLen int
	maxLen int
}

func dial(fs *flag.FlagSet, args []string) (*client, error) {
	target := fs.String("c", "", "server `addr`")
	bind := fs.String("bind", ":0", "local `addr`")
	minLen := fs.Int("min", 16, "smallest datagram, bytes")
	maxLen := fs.Int("max", 1400, "largest datagram, bytes")
	fs.Parse(args)

	to, err := net.ResolveUDPAddr("udp4", *target)
	if err != nil {
		return nil, err
	}
	local, err := net.ResolveUDPAddr("udp4", *bind)
	if err != nil {
		return nil, err
	}
	// Unconnected, so that replies from any address arrive and can be
	// counted as wrong-address instead of being filtered by the kernel.
	conn, err := net.ListenUDP("udp4", local)
	if err != nil {
		return nil, err
	}
	if *minLen < header || *maxLen < *minLen {
		return nil, fmt.Errorf("need %d <= -min <= -max", header)
	}
	return &client{conn: conn, target: to, rng: rand.New(rand.NewPCG(1, 2)),
		minLen: *minLen, maxLen: *maxLen}, nil
}

// request builds datagram number seq with a random payload.
func (c *client) request(seq uint64) []byte {
	b := make([]byte, c.minLen+c.rng.IntN(c.maxLen-c.minLen+1))
	for i := header; i < len(b); i++ {
		b[i] = byte(c.rng.Uint32())
	}
	binary.BigEndian.PutUint64(b, seq)
	binary.BigEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[header:]))
	return b
}

// reply reads one datagram until deadline; it returns the datagram and
// whether it came from the target.
func (c *client) reply(buf []byte, deadline time.Time) ([]byte, bool, error) {
	c.conn.SetReadDeadline(deadline)
	n, from, err := c.conn.ReadFromUDP(buf)
	if err != nil {
		return nil, false, err
	}
	return buf[:n], from.IP.Equal(c.target.IP) && from.Port == c.target.Port, nil
}

// seqOf returns the sequence number of an intact datagram.
func seqOf(b []byte) (uint64, bool) {
	if len(b) < header {
		return 0, false
	}
	intact := binary.BigEndian.Uint32(b[8:]) == crc32.ChecksumIEEE(b[header:])
	return binary.BigEndian.Uint64(b), intact
}
