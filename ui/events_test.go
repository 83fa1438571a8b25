package ui

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/status"
)

// sseEvent is one event read off a stream.
type sseEvent struct{ id, name, data string }

type stream struct {
	resp *http.Response
	r    *bufio.Reader
}

func openStream(t *testing.T, url, lastID string) *stream {
	t.Helper()
	return openStreamWith(t, url, lastID, "")
}

// openStreamWith opens a stream, with X-Forwarded-For: client when set.
func openStreamWith(t *testing.T, url, lastID, client string) *stream {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	return &stream{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next reads the next event, skipping the retry hint and heartbeats.
func (s *stream) next() (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.name != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"): // a heartbeat
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

func (s *stream) mustNext(t *testing.T) sseEvent {
	t.Helper()
	ev, err := s.next()
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// handleSettled feeds r through ingest and waits until the feed has
// published the state it leads to: the feed folds changes that come
// within a fold of each other into one event, and these tests follow
// every state.
func (f *fixture) handleSettled(t *testing.T, r status.Result) {
	t.Helper()
	before := f.feed.CurrentID()
	f.in.Handle(r)
	want := f.feed.CurrentID()
	if want == before {
		return
	}
	deadline := time.After(10 * time.Second)
	for {
		evs, wake, _ := f.hub.Since(max(f.hub.Last(), 1) - 1)
		if n := len(evs); n > 0 && f.hub.WireID(evs[n-1]) == want {
			return
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("the feed did not publish the state %s", want)
		}
	}
}

func TestEvents(t *testing.T) {
	f := newFixture(t)
	h := New(Deps{
		Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return t0 }, Heartbeat: 20 * time.Millisecond,
	})
	ts := httptest.NewUnstartedServer(h)
	ts.Config = NewServer(h, slog.New(slog.DiscardHandler))
	ts.Config.RegisterOnShutdown(f.hub.Close)
	ts.Start()
	t.Cleanup(ts.Close) // after the streams' cleanups close their bodies

	// A page names the last event it includes; the stream starts there.
	s := openStream(t, ts.URL+"/events?since="+f.hub.FormatID(f.hub.Last()), "")
	f.handleSettled(t, result("api-health", "eu", t0.Add(time.Second), time.Millisecond, status.Down))
	f.handleSettled(t, result("api-health", "us", t0.Add(time.Second), time.Millisecond, status.Down))
	// The first result makes API partial (down in one zone of two), the
	// second down.
	if ev := s.mustNext(t); !strings.Contains(ev.data, `{"id":"api","level":"s-partial","text":"Partial Outage",`) {
		t.Fatalf("first event %+v", ev)
	}
	ev := s.mustNext(t)
	if ev.name != "state" || !strings.Contains(ev.data, `"banner":{"id":"banner","level":"s-partial","text":"Partial System Outage",`) ||
		!strings.Contains(ev.data, `{"id":"api","level":"s-down","text":"Major Outage",`) ||
		!strings.Contains(ev.data, `{"id":"group-core","level":"s-down","text":"Major Outage",`) {
		t.Fatalf("event %+v", ev)
	}
	seen := ev.id

	// Heartbeats keep an idle stream open.
	f.in.Handle(result("docs-home", "eu", t0.Add(2*time.Second), time.Millisecond, status.Up)) // no component change
	for beats := 0; beats < 2; {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == ": keep-alive\n" {
			beats++
		} else if line != "\n" {
			t.Fatalf("an idle stream sent %q", line)
		}
	}
	s.resp.Body.Close()

	// While away, API recovers; reconnecting with the last id replays it.
	f.handleSettled(t, result("api-health", "eu", t0.Add(3*time.Second), time.Millisecond, status.Up))
	f.handleSettled(t, result("api-health", "us", t0.Add(3*time.Second), time.Millisecond, status.Up))
	s = openStream(t, ts.URL+"/events", seen)
	s.mustNext(t) // partial again: up in one zone
	missed := s.mustNext(t)
	if missed.name != "state" || missed.id == seen || !strings.Contains(missed.data, `{"id":"api","level":"s-up","text":"Operational",`) {
		t.Fatalf("missed event %+v after %s", missed, seen)
	}
	s.resp.Body.Close()

	// An id from another run, or older than the replay buffer: reload.
	s = openStream(t, ts.URL+"/events", "otherrun-3")
	if ev := s.mustNext(t); ev.name != "reload" {
		t.Fatalf("foreign id: %+v", ev)
	}
	s.resp.Body.Close()
	for i := 0; i < 100; i++ {
		f.hub.Publish("state", []byte("{}"))
	}
	s = openStream(t, ts.URL+"/events", seen)
	if ev := s.mustNext(t); ev.name != "reload" {
		t.Fatalf("id older than the buffer: %+v", ev)
	}
	s.resp.Body.Close()

	// Shutdown ends open streams promptly instead of waiting for them.
	s = openStream(t, ts.URL+"/events", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown waited for the stream: %v", err)
	}
	for {
		if _, err := s.next(); err != nil {
			break // the stream ended
		}
	}
}

func TestEventsOffWithoutHub(t *testing.T) {
	h, _ := newHandler(t, func() error { return nil })
	if rec := get(h, "/events", "192.0.2.1:1", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("%d", rec.Code)
	}
}

// TestEventsStreamCap: one client (by the address its trusted proxy
// forwards; an IPv6 client by its /64) gets 429 past its share, anyone
// 503 past the server's cap, both with Retry-After and a closed
// connection; a closed stream frees its place.
func TestEventsStreamCap(t *testing.T) {
	f := newFixture(t)
	f.cfg.Server.Proxies = []*net.IPNet{{IP: net.IPv4(127, 0, 0, 1), Mask: net.CIDRMask(32, 32)}}
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: func() time.Time { return t0 }, Heartbeat: time.Hour, Logger: slog.New(slog.DiscardHandler),
		MaxStreams: 3, StreamsPerClient: 2})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.IPExtractor = clientIP(f.cfg)
	s.routes(e)
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	from := func(client string) string { return ts.URL + "/events#" + client }
	first := openStreamFrom(t, from("2001:db8::1"))
	openStreamFrom(t, from("2001:db8::2:3")) // the same /64
	refusedFrom(t, from("2001:db8::4"), http.StatusTooManyRequests)
	openStreamFrom(t, from("192.0.2.1"))
	refusedFrom(t, from("192.0.2.2"), http.StatusServiceUnavailable)

	first.resp.Body.Close()
	eventuallyUI(t, func() bool {
		s.streams.mu.Lock()
		defer s.streams.mu.Unlock()
		return s.streams.open == 2
	})
	openStreamFrom(t, from("2001:db8::5"))
}

// openStreamFrom opens a stream as the client named after url's "#",
// forwarded by the test's trusted proxy.
func openStreamFrom(t *testing.T, url string) *stream {
	t.Helper()
	base, client, _ := strings.Cut(url, "#")
	return openStreamWith(t, base, "", client)
}

// refusedFrom asks for a stream as openStreamFrom does and wants it
// refused with code, Retry-After and a closed connection.
func refusedFrom(t *testing.T, url string, code int) {
	t.Helper()
	base, client, _ := strings.Cut(url, "#")
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	req.Header.Set("X-Forwarded-For", client)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != code || resp.Header.Get("Retry-After") == "" || !resp.Close {
		t.Fatalf("stream from %s: %d %v, want %d with Retry-After and Connection: close", client, resp.StatusCode, resp.Header, code)
	}
}

// eventuallyUI polls cond for up to 5 s.
func eventuallyUI(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		<-tick.C
	}
}
