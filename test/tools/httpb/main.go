// Command httpb measures HTTP request latency through a path (NAT, bridge,
// a cache in front of them), one request in flight at a time.
//
//	httpb serve -l :8081 [-for D]                      answer GET / with a small body
//	httpb get -c 10.0.0.2:8081 [-new] [-n N] [-for D]  N requests
//
// get reuses one kept-alive connection, or with -new opens a new TCP
// connection for every request (and closes it after the response), so
// that every sample pays the handshake and the teardown. It stops after -n
// requests or after -for, whichever comes first; the first -warmup
// requests are not measured. Result line (microseconds):
//
//	http conn=keepalive n=2000 avg_us=510.3 p50_us=480 p99_us=1200 max_us=3000 secs=1.02
//
// It exits 1 when a request fails.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"scon/test/tools/internal/tool"
)

// body is what the server answers: small, like an API's JSON reply.
var body = []byte(`{"status":"ok","service":"scon-bench"}` + "\n")

func main() {
	tool.Main("httpb", map[string]tool.Command{
		"serve": serve,
		"get":   get,
	})
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("l", ":8081", "listen `addr`")
	life := fs.Duration("for", 10*time.Minute, "exit after `d`")
	fs.Parse(args)

	ln, err := net.Listen("tcp4", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	time.AfterFunc(*life, func() { srv.Close() })
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func get(args []string) error {
	fs := flag.NewFlagSet("get", flag.ExitOnError)
	target := fs.String("c", "", "server `addr`")
	fresh := fs.Bool("new", false, "a new connection per request")
	n := fs.Int("n", 2000, "measured requests at most")
	warmup := fs.Int("warmup", 20, "requests before measuring")
	life := fs.Duration("for", 3*time.Second, "measure for `d` at most")
	fs.Parse(args)
	if *target == "" || *n < 1 {
		return errors.New("need -c and -n >= 1")
	}

	client := &http.Client{
		Timeout: 3 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives:   *fresh,
			MaxIdleConnsPerHost: 1,
			DialContext:         (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
		},
	}
	url := "http://" + *target + "/"
	for i := 0; i < *warmup; i++ {
		if err := fetch(client, url); err != nil {
			return fmt.Errorf("warmup: %w", err)
		}
	}
	samples := make([]time.Duration, 0, *n)
	start := time.Now()
	end := start.Add(*life)
	for len(samples) < *n && time.Now().Before(end) {
		t0 := time.Now()
		if err := fetch(client, url); err != nil {
			return err
		}
		samples = append(samples, time.Since(t0))
	}
	conn := "keepalive"
	if *fresh {
		conn = "new"
	}
	l := tool.Summarize(samples)
	fmt.Printf("http conn=%s n=%d avg_us=%.1f p50_us=%d p99_us=%d max_us=%d secs=%.2f\n",
		conn, len(samples), l.Avg, l.P50, l.P99, l.Max, time.Since(start).Seconds())
	return nil
}

// fetch performs one GET and reads the whole body, so that a kept-alive
// connection can carry the next request.
func fetch(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || len(got) != len(body) {
		return fmt.Errorf("status %d, %d bytes", resp.StatusCode, len(got))
	}
	return nil
}
