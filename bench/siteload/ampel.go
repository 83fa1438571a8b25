package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// flipSlug is the component whose target the harness turns from 200 to
// 503 to measure how fast a state change reaches the subscribers.
const flipSlug = "flip"

// target is the loopback fleet: healthy on several ports (so 100 new
// connections a second do not exhaust one port's 4-tuples), and one flip
// URL that fails once told to. firstFail is when it first answered 503.
type target struct {
	urls      []string
	flipURL   string
	failing   atomic.Bool
	firstFail atomic.Int64 // UnixNano
}

func startTarget(ports int) (*target, error) {
	t := &target{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flip" && t.failing.Load() {
			t.firstFail.CompareAndSwap(0, time.Now().UnixNano())
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	for range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go (&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
		t.urls = append(t.urls, "http://"+ln.Addr().String()+"/health")
	}
	t.flipURL = strings.TrimSuffix(t.urls[0], "/health") + "/flip"
	return t, nil
}

// config has o.checks-1 healthy checks in components of o.perComponent,
// and the flip check, probed every second and down at its first failure;
// o.maxConcurrent (0 for Ampel's default) and o.pprof (when set) become
// scheduler.max_concurrent and server.pprof_listen. With o.agent the one
// zone is the remote agentZone. One client may hold o.subscribers streams.
func config(o options, t *target) string {
	var b strings.Builder
	b.WriteString("[site]\ntitle = \"Load Status\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n")
	if o.pprof != "" {
		fmt.Fprintf(&b, "pprof_listen = %q\n", o.pprof)
	}
	if o.subscribers > 0 {
		// The subscribers all come from this one loopback client.
		fmt.Fprintf(&b, "streams_per_client = %d\n", o.subscribers)
	}
	b.WriteString("\n[storage]\npath = \"data/ampel.db\"\n\n")
	if o.agent {
		fmt.Fprintf(&b, "[[zones]]\nname = %q\nkind = \"remote\"\n", agentZone)
	} else {
		b.WriteString("[[zones]]\nname = \"local\"\nkind = \"local\"\n")
	}
	if o.maxConcurrent > 0 {
		fmt.Fprintf(&b, "\n[scheduler]\nmax_concurrent = %d\n", o.maxConcurrent)
	}
	fmt.Fprintf(&b, "\n[[components]]\nslug = %q\nname = \"Flip\"\ngroup = \"Bench\"\n  [[components.checks]]\n  name = \"flip\"\n  kind = \"http\"\n  target = %q\n  interval = \"1s\"\n  timeout = \"1s\"\n  failures_to_down = 1\n", flipSlug, t.flipURL)
	per := o.perComponent
	for i := range o.checks - 1 {
		if i%per == 0 {
			fmt.Fprintf(&b, "\n[[components]]\nslug = \"svc-%d\"\nname = \"Service %d\"\ngroup = \"Group %d\"\n", i/per, i/per, i/(10*per))
		}
		fmt.Fprintf(&b, "  [[components.checks]]\n  name = \"check-%d\"\n  kind = \"http\"\n  target = %q\n  interval = %q\n  timeout = \"5s\"\n",
			i, t.urls[i%len(t.urls)], o.interval.String())
	}
	return b.String()
}

// agentZone is the remote zone of -agent.
const agentZone = "near"

// startAgent creates a token for agentZone and starts an agent for it,
// whose metrics are at the returned child's base.
func startAgent(bin, dir, cfgPath, server string) (*child, error) {
	tok, err := exec.Command(bin, "token", "create", "--config", cfgPath, "--zone", agentZone, "--name", "siteload").Output()
	if err != nil {
		return nil, fmt.Errorf("token create: %w", err)
	}
	tokPath := filepath.Join(dir, "agent.token")
	if err := os.WriteFile(tokPath, tok, 0o600); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "agent", "--server", server, "--zone", agentZone, "--token-file", tokPath,
		"--spool", filepath.Join(dir, "spool"), "--metrics-listen", addr)
	logPath := filepath.Join(dir, "agent.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	a := &child{cmd: cmd, base: "http://" + addr}
	for range 100 {
		if _, err := scrapeSched(a.base); err == nil {
			return a, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("the agent serves no metrics at %s (log %s)", a.base, logPath)
}

// child is a process the harness started, with the URL it printed.
type child struct {
	cmd  *exec.Cmd
	base string
}

// startChild runs bin with args and waits for the first line naming an
// http:// URL on its stdout.
func startChild(bin string, args []string, logPath string) (*child, error) {
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	br := bufio.NewReader(stdout)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not start (log %s): %w", bin, logPath, err)
		}
		if i := strings.Index(line, "http://"); i >= 0 {
			go io.Copy(io.Discard, br)
			return &child{cmd: cmd, base: strings.Fields(line[i:])[0]}, nil
		}
	}
}

// schedStats is what /metrics says about the scheduler at one moment.
type schedStats struct {
	runs, within100ms, within1s uint64
	skipped                     float64
	// spool is an agent's spool depth: results not yet acknowledged.
	spool float64
}

func scrapeSched(base string) (schedStats, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return schedStats{}, err
	}
	defer resp.Body.Close()
	var s schedStats
	dec := expfmt.NewDecoder(resp.Body, expfmt.NewFormat(expfmt.TypeTextPlain))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			return s, nil
		} else if err != nil {
			return s, err
		}
		switch mf.GetName() {
		case "ampel_scheduler_lag_seconds":
			h := mf.GetMetric()[0].GetHistogram()
			s.runs = h.GetSampleCount()
			for _, b := range h.GetBucket() {
				switch b.GetUpperBound() {
				case 0.1:
					s.within100ms = b.GetCumulativeCount()
				case 1:
					s.within1s = b.GetCumulativeCount()
				}
			}
		case "ampel_scheduler_skipped_total":
			s.skipped = mf.GetMetric()[0].GetCounter().GetValue()
		case "ampel_agent_spool_results":
			if m := mf.GetMetric(); len(m) == 1 && len(m[0].GetLabel()) == 0 { // the agent's own, not the server's view
				s.spool = m[0].GetGauge().GetValue()
			}
		}
	}
}

// missedRuns counts, from ampel's database, the runs each regular check
// should have made in [from, to) but did not: a check that ran fewer than
// floor(window / interval) times missed the difference.
func missedRuns(dbPath string, from, to time.Time, interval time.Duration) (missed, checks int, err error) {
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	want := int(math.Floor(float64(to.Sub(from)) / float64(interval)))
	const q = `
SELECT c.name, COUNT(r.check_id)
FROM checks AS c LEFT JOIN results AS r
  ON r.check_id = c.id AND r.started_at_ms >= ? AND r.started_at_ms < ?
WHERE c.name != 'flip'
GROUP BY c.id`
	rows, err := db.QueryContext(context.Background(), q, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return 0, 0, fmt.Errorf("results per check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return 0, 0, err
		}
		checks++
		missed += max(0, want-n)
	}
	return missed, checks, rows.Err()
}

func dbPathOf(dir string) string { return filepath.Join(dir, "data", "ampel.db") }
