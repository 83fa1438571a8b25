package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// floodFiles is the descriptor limit the flooded server runs under: low,
// so that a flood a test can afford reaches it.
const floodFiles = 256

// floodTally counts how a flood's requests were answered.
type floodTally struct {
	mu      sync.Mutex
	status  map[int]int // by HTTP status
	closed  int         // closed at once without an answer: refused too
	unheard int         // no answer within the deadline
	slowest time.Duration
	conns   []net.Conn // open streams, closed by the test's cleanup
}

func (f *floodTally) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("statuses %v, closed unanswered %d, timed out %d, slowest answer %v", f.status, f.closed, f.unheard, f.slowest.Round(time.Millisecond))
}

// flood opens n connections from local address from to addr, each asking
// for /events, and keeps open those that got a stream. Every answer must
// come within answerWait: a server that stops accepting is a failure, not
// a refusal.
func flood(t *testing.T, addr, from string, n int, answerWait time.Duration) *floodTally {
	t.Helper()
	f := &floodTally{status: map[int]int{}}
	t.Cleanup(func() {
		for _, c := range f.conns {
			c.Close()
		}
	})
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: answerWait}
	sem := make(chan struct{}, 128)
	var wg sync.WaitGroup
	for range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			code, c := openStream(d, addr, answerWait)
			took := time.Since(start)
			f.mu.Lock()
			defer f.mu.Unlock()
			f.slowest = max(f.slowest, took)
			switch code {
			case 0:
				f.unheard++
				return
			case -1:
				f.closed++
				return
			}
			f.status[code]++
			if c != nil {
				f.conns = append(f.conns, c)
			}
		}()
	}
	wg.Wait()
	return f
}

// openStream asks for /events on a fresh connection and returns the
// status, with the connection while it streams (200); 0 when nothing came
// in time, -1 when the server closed the connection without an answer.
func openStream(d net.Dialer, addr string, wait time.Duration) (int, net.Conn) {
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return dialFailure(err), nil
	}
	c.SetDeadline(time.Now().Add(wait))
	fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	line, err := bufio.NewReader(c).ReadString('\n')
	var code int
	switch {
	case err == nil:
		fmt.Sscanf(line, "HTTP/1.1 %d", &code)
	default:
		code = dialFailure(err)
	}
	if code != http.StatusOK {
		c.Close()
		return code, nil
	}
	c.SetDeadline(time.Time{})
	return code, c
}

// dialFailure tells a timeout (0) from a closed connection (-1).
func dialFailure(err error) int {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return 0
	}
	return -1
}

// bystander is a client at another loopback address: one of the crowd
// that must still be served while someone floods.
func bystander(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
	}
}

// servedWithin gets path as the bystander and fails unless it answers
// 200 (within the client's timeout); it returns how long that took.
func servedWithin(t *testing.T, c *http.Client, base, path string) time.Duration {
	t.Helper()
	start := time.Now()
	resp, err := c.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s during the flood: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s during the flood: %s", path, resp.Status)
	}
	return time.Since(start)
}

// startLimited starts a real "ampel serve" whose descriptor limit (soft
// and hard) is files.
func startLimited(t *testing.T, cfgPath string, files int) (string, *syncBuffer) {
	t.Helper()
	cmd := ampelCmd()
	cmd.Args = append([]string{"/bin/sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, files), os.Args[0]}, "serve", "--config", cfgPath)
	cmd.Path = "/bin/sh"
	return startServing(t, cmd)
}

// checkResults returns the results of check stored since from.
func checkResults(t *testing.T, dbPath, check string, from time.Time) []status.Result {
	t.Helper()
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.Results(context.Background(), check, from, time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestEventsFloodKeepsServingAndProbing floods a real server running
// under a low descriptor limit with /events streams, first from one
// client, then from many: every request is answered at once (a stream or
// a refusal), /healthz and the front page keep answering another client,
// and the probes keep seeing their healthy target as up.
func TestEventsFloodKeepsServingAndProbing(t *testing.T) {
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)
	cfg, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, append(cfg, "\n[scheduler]\nmax_concurrent = 4\n"...), 0o600)
	base, logs := startLimited(t, cfgPath, floodFiles)
	dbPath := filepath.Join(dir, "ampel.db")
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	addr := strings.TrimPrefix(base, "http://")
	other := bystander("127.0.0.2")

	phases := []struct {
		name    string
		clients []string
		streams int // per client
	}{
		{"one client", []string{"127.0.0.1"}, 2000},
		{"many clients", loopbackRange(10, 20), 100},
	}
	limits := loggedLimits(t, logs.String())
	if limits["probe_workers"] != 4 || limits["reserve"] != 128+2*4 {
		t.Fatalf("scheduler.max_concurrent = 4 gave probe_workers=%d reserve=%d, want 4 and 136", limits["probe_workers"], limits["reserve"])
	}
	streams := 0
	for _, ph := range phases {
		began := time.Now()
		var tallies []*floodTally
		for _, from := range ph.clients {
			tallies = append(tallies, flood(t, addr, from, ph.streams, 3*time.Second))
		}
		var worst time.Duration
		for range 5 {
			worst = max(worst, servedWithin(t, other, base, "/healthz"), servedWithin(t, other, base, "/"))
		}
		// Probes run every second: wait for several after the flood
		// peaked, enough to turn the component down twice over.
		peak := time.Now()
		eventually(t, 20*time.Second, "probes to run during the flood", func() bool {
			return len(checkResults(t, dbPath, "api-health", peak)) >= 4
		})
		worst = max(worst, servedWithin(t, other, base, "/healthz"))
		t.Logf("%s (%d×%d streams asked): first client: %s; healthz and / for another client: slowest %v",
			ph.name, len(ph.clients), ph.streams, tallies[0], worst.Round(time.Millisecond))
		for i, f := range tallies {
			if f.status[http.StatusOK] > limits["streams_per_client"] {
				t.Errorf("%s: client %s holds %d streams, more than its %d", ph.name, ph.clients[i], f.status[http.StatusOK], limits["streams_per_client"])
			}
			streams += f.status[http.StatusOK]
			if f.unheard > 0 {
				t.Errorf("%s: client %s: %s: the server stopped answering instead of refusing", ph.name, ph.clients[i], f)
			}
		}
		for _, r := range checkResults(t, dbPath, "api-health", began) {
			if r.Outcome != status.Up {
				t.Errorf("%s: probe of a healthy target recorded %s (%s: %s)", ph.name, r.Outcome, r.Reason, r.Detail)
			}
		}
	}
	if streams > limits["streams"] {
		t.Errorf("%d streams open, more than the server's %d", streams, limits["streams"])
	}
	for _, c := range componentTimeline(t, dbPath, "api") {
		if c.To == status.Down || c.To == status.Partial {
			t.Errorf("api recorded %s at %s: %s", c.To, c.At, c.Cause)
		}
	}
	if t.Failed() {
		t.Logf("server log:\n%s", tail(logs.String(), 40))
	}
}

// loggedLimits reads the limits serve logged at start.
func loggedLimits(t *testing.T, log string) map[string]int {
	t.Helper()
	_, line, ok := strings.Cut(log, `msg="connection limits"`)
	if !ok {
		t.Fatalf("serve did not log its connection limits:\n%s", log)
	}
	line, _, _ = strings.Cut(line, "\n")
	out := map[string]int{}
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("limit %s=%q in %q", k, v, line)
		}
		out[k] = n
	}
	if out["files"] != floodFiles || out["streams"] < 1 || out["streams_per_client"] < 1 {
		t.Fatalf("limits %v, want them derived from %d descriptors", out, floodFiles)
	}
	return out
}

// loopbackRange is n loopback addresses from 127.0.0.first on.
func loopbackRange(first, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("127.0.0.%d", first+i))
	}
	return out
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestWarnsWithoutPublicURL: serve warns at start when strangers can
// reach it and site.public_url is unset, and not on loopback.
func TestWarnsWithoutPublicURL(t *testing.T) {
	target, _ := flipTarget(t)
	for _, c := range []struct {
		listen string
		warns  bool
	}{{"0.0.0.0:0", true}, {"127.0.0.1:0", false}} {
		dir := t.TempDir()
		cfgPath := writeConfig(t, dir, target.URL)
		cfg, _ := os.ReadFile(cfgPath)
		os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), `listen = "127.0.0.1:0"`, fmt.Sprintf("listen = %q", c.listen), 1)), 0o600)
		_, _, logs := startAmpel(t, cfgPath)
		warned := strings.Contains(logs.String(), "site.public_url is unset on a public listener")
		if warned != c.warns {
			t.Errorf("listen %s: warned %v, want %v\n%s", c.listen, warned, c.warns, logs.String())
		}
	}
}
