package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/status"
)

// clockedSite is the fixture's handler with a clock the test moves.
func clockedSite(t *testing.T, f *fixture) (h http.Handler, set func(time.Time)) {
	t.Helper()
	var now atomic.Pointer[time.Time]
	set = func(at time.Time) { now.Store(&at) }
	set(t0)
	h = New(Deps{
		Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return *now.Load() }, Started: t0.Add(-96 * time.Hour),
	})
	return h, set
}

func getBody(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// todayFigures reads one component's figures for one day from
// /api/v1/availability.
func todayFigures(t *testing.T, h http.Handler, slug, day string) figuresJSON {
	t.Helper()
	var r reportJSON
	if err := json.Unmarshal([]byte(getBody(t, h, "/api/v1/availability?component="+slug+"&from="+day+"&to="+day)), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Components) != 1 {
		t.Fatalf("%d components", len(r.Components))
	}
	return r.Components[0].Total
}

// TestTodayIncludesTheOpenInterval: rollups are rebuilt every minute, but
// the home page, the component page and the availability API count
// today up to now: an outage that began after the last build shows on
// all three at once, with the same minutes.
func TestTodayIncludesTheOpenInterval(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t) // rollups built at t0
	h, set := clockedSite(t, f)
	down := t0.Add(10 * time.Second)
	for _, zone := range []string{"eu", "us"} {
		f.in.Handle(result("api-health", zone, down, 50*time.Millisecond, status.Down))
	}
	if err := f.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	set(down.Add(5 * time.Minute)) // no rollup build since t0

	fig := todayFigures(t, h, "api", "2026-11-23")
	if fig.MajorSeconds != 300 || fig.NoDataSeconds != 0 || fig.Availability == nil {
		t.Fatalf("API today: major %v s, no data %v s, availability %v; want 300 s of outage and no gap", fig.MajorSeconds, fig.NoDataSeconds, fig.Availability)
	}
	want := "Nov 23, 2026: " + pct(english, *fig.Availability/100) + " uptime, major outage 5 min"
	contains(t, "component page", getBody(t, h, "/components/api"), want)
}

// TestTodayInTheFirstMinute: just after midnight, before the first build
// of the day, today already has figures, on the API and on the bars.
func TestTodayInTheFirstMinute(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	midnight := time.Date(2026, 11, 24, 0, 0, 0, 0, f.cfg.Location)
	if err := f.store.BuildRollups(ctx, f.cfg.Location, midnight.Add(-20*time.Second)); err != nil {
		t.Fatal(err)
	}
	h, set := clockedSite(t, f)
	set(midnight.Add(30 * time.Second))
	fig := todayFigures(t, h, "docs", "2026-11-24")
	if fig.Availability == nil || *fig.Availability != 100 || fig.PeriodSeconds != 30 || fig.NoDataSeconds != 0 {
		t.Fatalf("docs today: %+v, want 100 %% over 30 s", fig)
	}
	contains(t, "component page", getBody(t, h, "/components/docs"), "Nov 24, 2026: 100.00% uptime, no outage")
}

// TestTailOf: the open interval's levels from the changes around it.
func TestTailOf(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ch := func(s int, from, to status.Level) status.Change {
		return status.Change{At: at(s), From: from, To: to}
	}
	for _, c := range []struct {
		name    string
		changes []status.Change
		want    string // up/down/nodata seconds
	}{
		{"no change: the level now", nil, "0/60/0"},
		{"a change after start: its from before it", []status.Change{ch(20, status.Up, status.Down)}, "20/40/0"},
		{"a change before start sets the level", []status.Change{ch(-5, status.Down, status.Up), ch(30, status.Up, status.Down)}, "30/30/0"},
		{"monitoring begins after start", []status.Change{ch(15, status.NoData, status.Up), ch(45, status.Up, status.Down)}, "30/15/15"},
	} {
		r := tailOf(at(0), at(60), status.Down, c.changes)
		got := fmt.Sprintf("%d/%d/%d", int(r.Up.Seconds()), int(r.Down.Seconds()), int(r.NoData.Seconds()))
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
