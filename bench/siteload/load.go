package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// loadResult is one measurement: every request of every connection.
type loadResult struct {
	requests, failed int
	bytes            int64
	elapsed          time.Duration
	latencies        []time.Duration
	// cpu is the server process's CPU time (user and system) over the
	// load, and wall the time the load took.
	cpu, wall time.Duration
}

// add folds another round into r.
func (r *loadResult) add(o loadResult) {
	r.requests += o.requests
	r.failed += o.failed
	r.bytes += o.bytes
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
	r.cpu += o.cpu
	r.wall += o.wall
}

// cpuPerRequest is the server's CPU time per answered request, less
// what the server spends at rest (idle, CPU seconds a second) over the
// same time: ampel probes its checks meanwhile, the ceiling does nothing.
func (r loadResult) cpuPerRequest(idle float64) time.Duration {
	if r.requests == 0 {
		return 0
	}
	serving := r.cpu - time.Duration(idle*float64(r.wall))
	return max(serving, 0) / time.Duration(r.requests)
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// p99 is the nearest-rank 99th percentile latency.
func (r loadResult) p99() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

// load keeps conns keep-alive connections busy with GET path for d, each
// sending its next request when the last response has been read, as a
// browser with gzip does. It answers only with 200s counted as requests;
// anything else counts as failed.
func load(base, path string, conns int, d time.Duration) (loadResult, error) {
	u, err := url.Parse(base)
	if err != nil {
		return loadResult{}, err
	}
	req := []byte(fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: siteload\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n", path, u.Host))
	// Connect everyone first, so the measurement is of requests, not of
	// a thousand handshakes.
	cs := make([]net.Conn, conns)
	for i := range cs {
		if cs[i], err = net.Dial("tcp", u.Host); err != nil {
			for _, c := range cs[:i] {
				c.Close()
			}
			return loadResult{}, fmt.Errorf("connection %d: %w", i, err)
		}
	}
	parts := make([]loadResult, conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i] = worker(cs[i], u.Host, req, deadline)
		}()
	}
	wg.Wait()
	total := loadResult{elapsed: time.Since(start)}
	for _, p := range parts {
		total.requests += p.requests
		total.failed += p.failed
		total.bytes += p.bytes
		total.latencies = append(total.latencies, p.latencies...)
	}
	return total, nil
}

// worker runs one connection's requests until deadline, redialling after
// an error.
func worker(c net.Conn, host string, req []byte, deadline time.Time) loadResult {
	var r loadResult
	r.latencies = make([]time.Duration, 0, 1024)
	br := bufio.NewReaderSize(c, 32<<10)
	defer func() { c.Close() }()
	for time.Now().Before(deadline) {
		t0 := time.Now()
		c.SetDeadline(t0.Add(30 * time.Second))
		n, err := roundTrip(c, br, req)
		if err != nil {
			r.failed++
			c.Close()
			if c, err = net.Dial("tcp", host); err != nil {
				return r
			}
			br.Reset(c)
			continue
		}
		r.latencies = append(r.latencies, time.Since(t0))
		r.requests++
		r.bytes += n
	}
	return r
}

func roundTrip(c net.Conn, br *bufio.Reader, req []byte) (int64, error) {
	if _, err := c.Write(req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("status %d", resp.StatusCode)
	}
	return n, nil
}
