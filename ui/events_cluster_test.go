package ui

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/status"
)

// eventNode is one node of a cluster serving /events and the home page,
// with a hub of its own (another epoch: its counters mean nothing to the
// other node).
func eventNode(t *testing.T, epoch string) (*fixture, string) {
	t.Helper()
	f := newFixture(t)
	f.hub = live.New(epoch, 64)
	f.feed = NewFeed(f.engine, f.hub)
	f.in = ingest.New(f.engine, f.writer, f.feed.Observe)
	h := New(Deps{
		Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return t0 }, Heartbeat: 20 * time.Millisecond,
	})
	ts := httptest.NewUnstartedServer(h)
	ts.Config = NewServer(h, slog.New(slog.DiscardHandler))
	ts.Config.RegisterOnShutdown(f.hub.Close)
	ts.Start()
	t.Cleanup(ts.Close)
	return f, ts.URL
}

// A browser's stream resumes on another node of the cluster: event ids
// name the state shown, not a node's counter. A page from node A opens
// its stream on node B; a stream cut on A resumes on B with what it
// missed; an id B cannot place gets a reload, never a silent gap.
func TestEventsResumeOnAnotherNode(t *testing.T) {
	a, urlA := eventNode(t, "node-a")
	b, urlB := eventNode(t, "node-b")
	both := func(r status.Result) {
		// B mirrors what A does (in a cluster, through the store).
		a.handleSettled(t, r)
		b.handleSettled(t, r)
	}

	// The page from A names the state it shows; B, showing the same,
	// starts the stream there: nothing to send until a change.
	resp, err := http.Get(urlA + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`/events\?since=([^"&]+)`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the home page names no events link:\n%s", page)
	}
	since := string(m[1])
	s := openStream(t, urlB+"/events?since="+since, "")
	both(result("api-health", "eu", t0.Add(time.Second), time.Millisecond, status.Down))
	first := s.mustNext(t)
	if first.name != "state" || !strings.Contains(first.data, `{"id":"api","level":"s-partial"`) {
		t.Fatalf("first event from B after A's page: %+v", first)
	}
	onA := openStream(t, urlA+"/events", first.id) // the same id means the same state on A
	s.resp.Body.Close()

	// A stream on A sees the next change, then A goes away; meanwhile
	// the state moves on. Reconnecting to B with A's last id replays
	// what followed, under the ids A gave the same states.
	both(result("api-health", "us", t0.Add(time.Second), time.Millisecond, status.Down))
	down := onA.mustNext(t)
	if down.name != "state" || !strings.Contains(down.data, `{"id":"api","level":"s-down"`) {
		t.Fatalf("A sent %+v", down)
	}
	onA.resp.Body.Close()
	both(result("api-health", "eu", t0.Add(2*time.Second), time.Millisecond, status.Up))
	s = openStream(t, urlB+"/events", down.id)
	missed := s.mustNext(t)
	if missed.name != "state" || !strings.Contains(missed.data, `{"id":"api","level":"s-partial"`) {
		t.Fatalf("B replayed %+v after %s", missed, down.id)
	}
	if want := a.feed.CurrentID(); missed.id != want {
		t.Errorf("B named the state %s, A names it %s", missed.id, want)
	}
	s.resp.Body.Close()

	// An id B cannot place (a state it never showed, another release's
	// counter): reload.
	for _, id := range []string{live.KeyID("0123456789abcdef"), "node-a-3"} {
		s = openStream(t, urlB+"/events", id)
		if ev := s.mustNext(t); ev.name != "reload" {
			t.Fatalf("id %s: %+v, want reload", id, ev)
		}
		s.resp.Body.Close()
	}
}
