package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// testLease is the lease of the cluster tests: Ampel's shortest, so a
// failover takes seconds of CI time, not tens.
const testLease = 3 * time.Second

// flipEvery is how long the flipping target stays up, then down.
const flipEvery = 2 * time.Second

// rollingConfig has a few steady components and one, "flip", whose
// target goes down and up every flipEvery: a state change, so a live
// update, every few seconds.
func rollingConfig(steady, flip string) string {
	cfg := `
[site]
title = "Rolling"
timezone = "UTC"

[[zones]]
name = "local"
kind = "local"

[[components]]
slug = "flip"
name = "Flip"

  [[components.checks]]
  name = "flip-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
  failures_to_down = 1
  successes_to_up = 1
`
	cfg = fmt.Sprintf(cfg, flip)
	for i := range 5 {
		cfg += fmt.Sprintf(`
[[components]]
slug = "s%d"
name = "Steady %d"

  [[components.checks]]
  name = "s%d-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
`, i, i, i, steady)
	}
	return cfg
}

// TestRollingRestart restarts the three nodes one by one (SIGTERM, start,
// wait until HAProxy has it back) behind HAProxy while visitors read the
// pages and hold live-update streams through it, and a component changes
// state every few seconds: no request fails, and every stream sees every
// change, resuming on another node with its Last-Event-ID, never told to
// reload.
func TestRollingRestart(t *testing.T) {
	flip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if time.Now().UnixNano()/int64(flipEvery)%2 == 1 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer flip.Close()
	c := New(t, Options{Nodes: 3, Config: rollingConfig(target(t), flip.URL), Server: `shutdown_timeout = "5s"`,
		Cluster: true, Lease: testLease, Drain: 2 * time.Second, HAProxy: true})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}

	load := StartLoad(c.LB.URL(), 3)
	defer func() {
		if load != nil {
			load.Stop()
		}
	}()
	var streams []*Stream
	for range 3 {
		s := StartStream(c.LB.URL())
		streams = append(streams, s)
		defer s.Stop()
	}
	// The streams are open (each got its first state) before the window
	// whose changes they must all see begins.
	for i, s := range streams {
		if err := waitFor(ctx, nil, func() bool { return s.Received() > 0 }); err != nil {
			t.Fatalf("stream %d got no event: %v %v", i, err, s.Errors())
		}
	}
	from := time.Now()
	for _, n := range c.Nodes {
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Changes right before the end may not have reached a stream yet.
	to := time.Now()
	select {
	case <-time.After(2 * flipEvery): // the load's last stretch, not a wait for readiness
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	lr := load.Stop()
	load = nil
	t.Logf("%d public requests through HAProxy, %d failed", lr.Requests, lr.Failed)
	if lr.Failed > 0 {
		t.Errorf("%d public requests through HAProxy failed across the rolling restart: %v", lr.Failed, lr.Failures)
	}

	st, err := store.OpenPostgres(ctx, c.DSN, store.PostgresOptions{MaxReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	changes, err := st.Changes(ctx, status.Component, "flip", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) < 2 {
		t.Fatalf("only %d changes of the flipping component from %s to %s", len(changes), from.Format(time.TimeOnly), to.Format(time.TimeOnly))
	}
	for i, s := range streams {
		events, reconnects := s.Stop()
		seen := map[string]bool{}
		reloads := 0
		for _, ev := range events {
			switch ev.Name {
			case "reload":
				reloads++
			case "state":
				var st struct {
					Updated string `json:"updated"`
				}
				if err := json.Unmarshal([]byte(ev.Data), &st); err != nil {
					t.Errorf("stream %d: state event %q: %v", i, ev.Data, err)
				}
				seen[st.Updated] = true
			}
		}
		var missed []string
		for _, ch := range changes {
			// A gap (a leader's clean stop records no data) is history
			// only: pages hold the last level until the next verdict, so
			// no live update is due for it.
			if ch.To == status.NoData {
				continue
			}
			if at := ch.At.UTC().Format(time.RFC3339); !seen[at] {
				missed = append(missed, fmt.Sprintf("%s %s>%s", at, ch.From, ch.To))
			}
		}
		t.Logf("stream %d: %d events, %d reconnects, %d reloads", i, len(events), reconnects, reloads)
		if reconnects == 0 {
			t.Errorf("stream %d never reconnected: the restarts did not reach it", i)
		}
		if reloads > 0 || len(missed) > 0 {
			t.Errorf("stream %d: %d reloads, missed %d of %d changes: %v (reconnect causes: %v)", i, reloads, len(missed), len(changes), missed, s.Errors())
		}
	}
}
