package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// maxBytesPerComponent is issue 18's bound on the uncompressed home page.
const maxBytesPerComponent = 2048

// fleetSite is a site over a real store with n components in groups of
// 10, each with 90 days of history fed through the real ingest path. To
// make the bars as long as they get, every other day has an outage, and
// its share of the day cycles through the three outage colours, shifted
// by component.
func fleetSite(t testing.TB, n int) http.Handler {
	t.Helper()
	cfg, engine, st := fleet(t, n)
	return New(Deps{
		Config: cfg, Engine: engine, Store: st, Feed: NewFeed(engine, nil), Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return t0 }, Started: fleetStart(cfg),
	})
}

// fleetStart is the first day of fleet's history.
func fleetStart(cfg *config.Config) time.Time {
	return time.Date(2026, 8, 26, 0, 0, 0, 0, cfg.Location) // 90 days before t0's day
}

// fleet is the config, state and store of fleetSite.
func fleet(t testing.TB, n int) (*config.Config, *state.Engine, *store.Store) {
	t.Helper()
	f := fleetWith(t, n, 1)
	return f.cfg, f.engine, f.st
}

// fleetParts is fleet's config, state and store, and the ingest that fed
// them, which hands what it takes in after the history to feed once set.
type fleetParts struct {
	cfg    *config.Config
	engine *state.Engine
	st     *store.Store
	in     *ingest.Ingest
	feed   *Feed
}

// fleetWith is fleet with checks checks a component: the first carries
// the history, the others are up from an hour before t0 on.
func fleetWith(t testing.TB, n, checks int) *fleetParts {
	t.Helper()
	ctx := context.Background()
	cfg := siteConfig(t)
	cfg.Zones = cfg.Zones[:1]
	cfg.Components = nil
	for i := range n {
		comp := config.Component{
			Slug: fmt.Sprintf("service-%03d", i), Name: fmt.Sprintf("Service %03d", i),
			Group: fmt.Sprintf("Region %02d", i/10), GroupWeight: 1,
			Checks: []config.Check{{Name: fmt.Sprintf("check-%03d", i), Kind: "http", Target: secretTarget,
				Zones: []string{"eu"}, FailuresToDown: 1, SuccessesToUp: 1}},
		}
		for j := 1; j < checks; j++ {
			comp.Checks = append(comp.Checks, config.Check{Name: fmt.Sprintf("check-%03d-%02d", i, j), Kind: "http", Target: secretTarget,
				Zones: []string{"eu"}, FailuresToDown: 1, SuccessesToUp: 1})
		}
		cfg.Components = append(cfg.Components, comp)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := st.StartWriter(store.WriterOptions{})
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	engine := state.New(cfg)
	f := &fleetParts{cfg: cfg, engine: engine, st: st}
	in := ingest.New(engine, w, func(r status.Result, changes []status.Change) {
		if f.feed != nil {
			f.feed.Observe(r, changes)
		}
	})
	f.in = in
	first := fleetStart(cfg)
	outage := []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour}
	for d := 0; d < 90; d++ {
		day := first.AddDate(0, 0, d)
		for i := range n {
			chk := fmt.Sprintf("check-%03d", i)
			// A level holds until the next result: the first day's
			// result starts the history, then only outages need any.
			if d == 0 {
				in.Handle(status.Result{Check: chk, Zone: "eu", Start: day.Add(time.Hour), Duration: time.Millisecond, Outcome: status.Up})
			}
			if (d+i)%2 == 0 {
				down := day.Add(2 * time.Hour)
				if down.Before(t0) {
					in.Handle(status.Result{Check: chk, Zone: "eu", Start: down, Duration: time.Millisecond, Outcome: status.Down, Reason: "connection refused"})
					in.Handle(status.Result{Check: chk, Zone: "eu", Start: down.Add(outage[(d+i)%3]), Duration: time.Millisecond, Outcome: status.Up})
				}
			}
		}
	}
	// The other checks start an hour before t0, so that the rollups of
	// 90 days of the fleet's 100,000 checks are not built for a page
	// that reads its components' only.
	for i := range n {
		for j := 1; j < checks; j++ {
			in.Handle(status.Result{Check: fmt.Sprintf("check-%03d-%02d", i, j), Zone: "eu", Start: t0.Add(-time.Hour), Duration: time.Millisecond, Outcome: status.Up})
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.BuildRollups(ctx, cfg.Location, t0); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestHomeBytesPerComponent: the uncompressed home page stays within 2 KB
// a component at 50 and 250 components (it was 10 KB, 90 titled cells
// each), while every component still has its bar with all its outage
// colours and a link to its daily record.
func TestHomeBytesPerComponent(t *testing.T) {
	for _, n := range []int{50, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h := fleetSite(t, n)
			rec := get(h, "/", "192.0.2.1:1", nil)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "" {
				t.Fatalf("status %d, encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
			}
			body := rec.Body.String()
			per := rec.Body.Len() / n
			t.Logf("%d components: %d bytes, %d a component", n, rec.Body.Len(), per)
			if per > maxBytesPerComponent {
				t.Errorf("%d bytes a component, want at most %d", per, maxBytesPerComponent)
			}
			for i := range n {
				if !strings.Contains(body, fmt.Sprintf(`<a class="bar-link" href="/components/service-%03d#days"`, i)) {
					t.Fatalf("service-%03d has no bar linking its daily record", i)
				}
			}
			for _, class := range []string{"d-ok", "d-low", "d-mid", "d-high"} {
				if c := strings.Count(body, `<path class="`+class+`"`); c < n {
					t.Errorf("%d bars draw %s days, want all %d", c, class, n)
				}
			}
			if c := strings.Count(body, "outages on 45 days"); c < n/2 {
				t.Errorf("%d bars tell a screen reader of their 45 outage days, want %d or more", c, n/2)
			}
		})
	}
}

// TestDayDetailWithoutJavaScript follows links in Chromium with
// JavaScript off: from the home page, the API's bar leads to its
// component page, whose daily record has each day under its own anchor,
// the day of the outage with its figures.
func TestDayDetailWithoutJavaScript(t *testing.T) {
	tab := startChromium(t, noScript, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(`[data-component="api"] a.bar-link`)); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the API's component page", `location.pathname === "/components/api" && location.hash === "#days"`, 15*time.Second)
	links := evalString(t, tab, `Array.from(document.querySelectorAll("#days li")).map(function (li) { return li.id; }).join(" ")`)
	ids := strings.Fields(links)
	if len(ids) != historyDays || ids[0] != "day-2026-11-23" || ids[historyDays-1] != "day-2026-08-26" {
		t.Fatalf("daily record has %d days (%s … %s), want %d from day-2026-11-23 back to day-2026-08-26", len(ids), ids[0], ids[len(ids)-1], historyDays)
	}
	// The anchor of one day, as a link to it would open it.
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/components/api#day-2026-11-21")); err != nil {
		t.Fatal(err)
	}
	got := evalString(t, tab, `document.querySelector(":target").textContent.trim()`)
	if got != "Nov 21, 2026: 97.91% uptime, major outage 30 min" {
		t.Errorf("the day's entry reads %q", got)
	}
	if vis := evalString(t, tab, `String(document.querySelector(":target").getBoundingClientRect().top < innerHeight)`); vis != "true" {
		t.Error("the day's entry is not in sight after following its anchor")
	}
	label := evalString(t, tab, `document.querySelector(".bar").getAttribute("aria-label")`)
	if !regexp.MustCompile(`^API, last 90 days: an outage on 1 day\. Daily record$`).MatchString(label) {
		t.Errorf("the bar's label reads %q", label)
	}
}
