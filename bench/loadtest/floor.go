package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The floor is the least a prober must do for the same checks: a loop
// that spreads the runs evenly over the interval and hands them to a
// fixed pool of workers, each of which opens a fresh TCP connection,
// writes one GET with "Connection: close", parses the response with
// http.ReadResponse, reads the body and closes. No state, no store, no
// metrics. It runs in a child process of its own so that /proc counts its
// CPU alone, against the same target as Ampel.

// floorStats is what the floor child reports on its stats endpoint.
type floorStats struct {
	Runs, Failures     int64
	Lagged, Under100ms int64 // dispatches, and those within 100 ms of due
	MaxLagMs           int64
}

// floorChild runs the floor until killed and prints its stats address.
func floorChild(checks int, interval time.Duration, concurrent int, targets []string) error {
	var st struct {
		runs, failures, lagged, under100ms, maxLagMs atomic.Int64
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(floorStats{
			Runs: st.runs.Load(), Failures: st.failures.Load(),
			Lagged: st.lagged.Load(), Under100ms: st.under100ms.Load(), MaxLagMs: st.maxLagMs.Load(),
		})
	}))
	fmt.Fprintf(os.Stdout, "floor http://%s\n", ln.Addr())

	type target struct{ addr, req string }
	var ts []target
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil {
			return err
		}
		ts = append(ts, target{u.Host, "GET " + u.Path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: floor\r\nConnection: close\r\n\r\n"})
	}
	pool := sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}
	probe := func(t target) error {
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.Dial("tcp", t.addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(conn, t.req); err != nil {
			return err
		}
		br := pool.Get().(*bufio.Reader)
		defer pool.Put(br)
		br.Reset(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	}
	work := make(chan int)
	for range concurrent {
		go func() {
			for i := range work {
				if probe(ts[i%len(ts)]) != nil {
					st.failures.Add(1)
				}
				st.runs.Add(1)
			}
		}()
	}
	start := time.Now()
	step := interval / time.Duration(checks)
	for k := 0; ; k++ {
		i := k % checks
		due := start.Add(time.Duration(k/checks)*interval + time.Duration(i)*step)
		if wait := time.Until(due); wait > time.Millisecond {
			time.Sleep(wait)
		}
		work <- i
		lag := time.Since(due)
		st.lagged.Add(1)
		if lag <= 100*time.Millisecond {
			st.under100ms.Add(1)
		}
		if ms := lag.Milliseconds(); ms > st.maxLagMs.Load() {
			st.maxLagMs.Store(ms)
		}
	}
}

// readFloor reads the floor child's stats.
func readFloor(base string) (floorStats, error) {
	var s floorStats
	resp, err := http.Get(base)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}
