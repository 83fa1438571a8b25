package ui

import (
	"context"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestDaysReadOncePerMinute: /, the component pages and a badge share one
// read of the fleet's daily rollups for daysMemoFor, across state
// versions: a state change and a rollup build after the read still show
// on today's figures to the second, as on a page built alone from a
// fresh read; a minute later the rows are read again.
func TestDaysReadOncePerMinute(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var clock atomic.Pointer[time.Time]
	at := func(t time.Time) { clock.Store(&t) }
	now := func() time.Time { return *clock.Load() }
	at(t0.Add(30 * time.Minute)) // half an hour since the last rollup: today has an open tail
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	s.routes(e)
	get := func(h http.Handler, path string) string {
		t.Helper()
		return getBody(t, h, path)
	}
	today := regexp.MustCompile(`<li id="day-2026-11-23">[^<]*<span[^>]*></span> ([^<]*)</li>`)
	todayOf := func(h http.Handler, slug string) string {
		t.Helper()
		m := today.FindStringSubmatch(get(h, "/components/"+slug))
		if m == nil {
			t.Fatalf("%s: no figures for today", slug)
		}
		return m[1]
	}
	// alone is today's figure on a page of a site of its own, which
	// reads the rows afresh.
	alone := func(slug string) string {
		t.Helper()
		a, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		ea := echo.New()
		a.routes(ea)
		return todayOf(ea, slug)
	}
	check := func(when string) {
		t.Helper()
		for _, slug := range []string{"api", "web", "docs"} {
			if got, want := todayOf(e, slug), alone(slug); got != want {
				t.Errorf("%s, %s today: %q, built alone %q", when, slug, got, want)
			}
		}
	}

	get(e, "/")
	get(e, "/badge/api.svg?metric=uptime")
	check("at the first read")
	if s.days.reads != 1 {
		t.Errorf("%d reads of the daily rollups, want 1", s.days.reads)
	}

	// The API goes down after the read, the rollups are built again
	// (today's rows now end later than the shared ones), and the state
	// moves on: the shared rows still give today's figures exactly.
	at(t0.Add(30*time.Minute + 40*time.Second))
	f.in.Handle(result("api-health", "eu", t0.Add(30*time.Minute+10*time.Second), time.Millisecond, status.Down))
	f.in.Handle(result("api-health", "us", t0.Add(30*time.Minute+10*time.Second), time.Millisecond, status.Down))
	if err := f.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.store.BuildRollups(ctx, f.cfg.Location, t0.Add(30*time.Minute+20*time.Second)); err != nil {
		t.Fatal(err)
	}
	s.edited()
	get(e, "/")
	check("after a change and a rollup build")
	if s.days.reads != 1 {
		t.Errorf("%d reads after new versions within %s, want 1", s.days.reads, daysMemoFor)
	}

	at(t0.Add(30*time.Minute + daysMemoFor))
	s.edited()
	get(e, "/")
	if s.days.reads != 2 {
		t.Errorf("%d reads after %s, want 2", s.days.reads, daysMemoFor)
	}
	check("after the next read")
}
