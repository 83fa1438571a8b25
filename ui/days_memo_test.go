package ui

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestDaysReadOncePerVersion: /, the component pages and a badge built
// at one state version share one read of the fleet's daily rollups, and
// today's figures on each are as a page built alone shows them (the
// shared rows are never added to in place); a new version reads again.
func TestDaysReadOncePerVersion(t *testing.T) {
	f := newFixture(t)
	now := t0.Add(30 * time.Minute) // half an hour since the last rollup: today has an open tail
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: func() time.Time { return now }})
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
	get(e, "/")
	get(e, "/badge/api.svg?metric=uptime")
	var pages []string
	for _, slug := range []string{"api", "web", "docs", "web"} {
		pages = append(pages, today.FindStringSubmatch(get(e, "/components/"+slug))[1])
	}
	if s.days.reads != 1 {
		t.Errorf("%d reads of the daily rollups at one version, want 1", s.days.reads)
	}
	// Each page alone, from a site of its own.
	for i, slug := range []string{"api", "web", "docs"} {
		alone, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		ea := echo.New()
		alone.routes(ea)
		if want := today.FindStringSubmatch(get(ea, "/components/"+slug))[1]; pages[i] != want {
			t.Errorf("%s today: %q, built alone %q", slug, pages[i], want)
		}
	}
	s.edited() // a new version
	get(e, "/")
	if s.days.reads != 2 {
		t.Errorf("%d reads after a new version, want 2", s.days.reads)
	}
}
