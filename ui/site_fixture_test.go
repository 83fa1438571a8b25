package ui

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Operator-only text that must never reach a public page.
const (
	secretTarget = "https://internal-api.corp.example:8443/health"
	secretDetail = "dial tcp 10.1.2.3:8443: connect: connection refused"
)

// siteConfig is a small fleet in two zones, with a group, a lone
// component and text that needs escaping.
func siteConfig(t testing.TB) *config.Config {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, quorum int) []config.Check {
		return []config.Check{{Name: name, Kind: "http", Target: secretTarget, Zones: []string{"eu", "us"}, FailuresToDown: 1, SuccessesToUp: 1, Quorum: quorum}}
	}
	return &config.Config{
		Site: config.Site{
			Title: "Example <Status>", PublicURL: "https://status.example.com", Timezone: "Europe/Berlin", SLO: 99.9,
			FooterLinks: []config.FooterLink{{Name: "Support", URL: "https://example.com/support"}, {Name: "Privacy & terms", URL: "/privacy"}},
		},
		Location: berlin,
		Zones:    []config.Zone{{Name: "eu", Kind: "local"}, {Name: "us", Kind: "local"}},
		// As config.Load fills them in.
		Availability: config.Availability{PartialWeight: 0.3, Credits: []config.CreditTier{{Below: 99.9, Credit: 10}, {Below: 99, Credit: 25}}},
		Components: []config.Component{
			{Slug: "api", Name: "API", Group: "Core", GroupWeight: 1, Description: "Public REST API", Checks: check("api-health", 0)},
			{Slug: "web", Name: "Web <app>", Group: "Core", GroupWeight: 1, Checks: check("web-home", 2)},
			{Slug: "docs", Name: "Docs", Checks: check("docs-home", 0)},
		},
	}
}

// fixture is a site over a real store holding four days of history fed
// through the real ingest path, with the clock fixed at t0.
type fixture struct {
	cfg    *config.Config
	engine *state.Engine
	store  *store.Store
	hub    *live.Hub
	feed   *Feed
	in     *ingest.Ingest
	writer *store.Writer
	h      http.Handler
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg := siteConfig(t)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := st.StartWriter(store.WriterOptions{})
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	f := &fixture{cfg: cfg, engine: state.New(cfg), store: st, hub: live.New("test", 64), writer: w}
	f.feed = NewFeed(f.engine, f.hub)
	f.in = ingest.New(f.engine, w, f.feed.Observe)
	f.history(t)
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.BuildRollups(ctx, cfg.Location, t0); err != nil {
		t.Fatal(err)
	}
	f.h = f.handler()
	return f
}

// handler is a new site over the fixture's parts, for a test that
// changed its config (which a site reads once).
func (f *fixture) handler() http.Handler {
	return New(Deps{
		Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return t0 }, Started: t0.Add(-96 * time.Hour),
	})
}

// history probes every check in both zones every 10 minutes for the four
// days before t0: API down everywhere for 30 minutes on Nov 21 (a major
// outage), Web down in one zone of two for 2 hours on Nov 22 (partial,
// with quorum 2) and again in the last 20 minutes, Docs slow at the end.
func (f *fixture) history(t testing.TB) {
	t.Helper()
	start := t0.Add(-96 * time.Hour)
	apiOut := time.Date(2026, 11, 21, 10, 0, 0, 0, f.cfg.Location)
	webOut := time.Date(2026, 11, 22, 2, 0, 0, 0, f.cfg.Location)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * 10 * time.Minute)
		if !at.Before(t0) {
			break
		}
		latency := time.Duration(40+(i%7)*10) * time.Millisecond
		for _, zone := range []string{"eu", "us"} {
			api := status.Up
			if !at.Before(apiOut) && at.Before(apiOut.Add(30*time.Minute)) {
				api = status.Down
			}
			web := status.Up
			if zone == "eu" && (!at.Before(webOut) && at.Before(webOut.Add(2*time.Hour)) || t0.Sub(at) <= 20*time.Minute) {
				web = status.Down
			}
			docs := status.Up
			if t0.Sub(at) <= 20*time.Minute {
				docs = status.Degraded
			}
			f.in.Handle(result("api-health", zone, at, latency, api))
			f.in.Handle(result("web-home", zone, at, latency*2, web))
			f.in.Handle(result("docs-home", zone, at, latency*3, docs))
		}
	}
}

func result(check, zone string, at time.Time, d time.Duration, outcome status.Level) status.Result {
	r := status.Result{Check: check, Zone: zone, Start: at, Duration: d, Outcome: outcome}
	switch outcome {
	case status.Down:
		r.Reason, r.Detail = "connection refused", secretDetail
	case status.Degraded:
		r.Reason, r.Detail = "slow response", secretDetail
	}
	return r
}
