package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/replica"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// pageNode is one node's HTTP side: a real server over its engine and
// feed, reading its own connection to the shared database.
func pageNode(t *testing.T, dsn string, now time.Time) (*state.Engine, *Feed, *store.Store, string) {
	t.Helper()
	st, err := store.OpenPostgres(context.Background(), dsn, store.PostgresOptions{MaxReadConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := siteConfig(t)
	engine := state.New(cfg)
	feed := NewFeed(engine, live.New("n", 64))
	h := New(Deps{
		Config: cfg, Engine: engine, Store: st, Feed: feed, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return now }, Started: now,
		Logger: slog.New(slog.DiscardHandler),
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return engine, feed, st, ts.URL
}

func body(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// A leader and a follower on one PostgreSQL, each serving its pages: after
// every change on the leader, the follower's components.json and summary
// become the leader's, in the median within a second (the bound;
// one change may take longer on a loaded machine, none more than ten).
// The figures are the follower lag: go test ./ui -run
// TestFollowerPagesMatchLeader -v.
func TestFollowerPagesMatchLeader(t *testing.T) {
	dsn := pgtest.NewServer(t, pgtest.Options{})
	db, err := dsn.CreateDB("ampel")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	lEngine, lFeed, lStore, leader := pageNode(t, db, now)
	fEngine, fFeed, fStore, follower := pageNode(t, db, now)
	w := lStore.StartWriter(store.WriterOptions{})
	defer w.Close(context.Background())
	in := ingest.New(lEngine, w, lFeed.Observe)
	r, err := replica.Start(context.Background(), replica.Options{Store: fStore, Engine: fEngine, Observe: fFeed.Observe})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()

	pages := []string{"/api/v2/components.json", "/api/v2/summary.json", "/api/v2/status.json"}
	same := func() bool {
		for _, p := range pages {
			if body(t, leader+p) != body(t, follower+p) {
				return false
			}
		}
		return true
	}
	var took []time.Duration
	for i := range 20 {
		at := now.Add(time.Duration(i) * time.Second)
		outcome := status.Down
		if i%2 == 1 {
			outcome = status.Up
		}
		zone := []string{"eu", "us"}[i%4/2]
		in.Handle(result("api-health", zone, at, time.Millisecond, outcome))
		in.Handle(result("web-home", "eu", at, 2*time.Millisecond, status.Up))
		start := time.Now()
		for !same() {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("change %d: after 10s the follower's pages differ:\n%s\nleader:\n%s", i,
					body(t, follower+pages[0]), body(t, leader+pages[0]))
			}
			time.Sleep(5 * time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("follower pages match the leader's after: median %s, max %s (%d changes); replica lag metric %s",
		took[len(took)/2], took[len(took)-1], len(took), r.Lag())
	if took[len(took)/2] > time.Second {
		t.Errorf("the follower's pages trail the leader's by %s in the median, want at most 1s", took[len(took)/2])
	}
}
