package ui

import (
	"context"
	"testing"
	"time"
)

// benchRebuildFleet measures one rebuild of a cached response for a fleet
// of n components with 90 days of history each (every other day with an
// outage): the store reads, the view, the template and the gzip and
// entity tag, as after a state change or once a minute. Only one request
// rebuilds a key at a time; the others are served the previous build.
// With cold, every rebuild is at a new version and reads the fleet's
// days from the store; otherwise they are read once (see daysMemo), as
// for the pages built after the first at one version.
func benchRebuildFleet(b *testing.B, n int, cold bool, build func(s *site, ctx context.Context) ([]byte, error)) {
	cfg, engine, st := fleet(b, n)
	s, err := newSite(Deps{Config: cfg, Engine: engine, Store: st, Feed: NewFeed(engine, nil), Now: func() time.Time { return t0 }, Started: fleetStart(cfg)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var size, gz int
	b.ReportAllocs()
	for b.Loop() {
		if cold {
			s.edited()
		}
		r, err := renderNow(0, t0, "text/html", func() ([]byte, error) { return build(s, ctx) })
		if err != nil {
			b.Fatal(err)
		}
		size, gz = len(r.body), len(r.gz)
	}
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(gz), "gzip-bytes")
}

// BenchmarkRebuildHome1000 is / at 1,000 components, at a new version
// each time.
func BenchmarkRebuildHome1000(b *testing.B) {
	benchRebuildFleet(b, 1000, true, func(s *site, ctx context.Context) ([]byte, error) {
		v, err := s.homeView(ctx, english, s.siteView(s.now()))
		if err != nil {
			return nil, err
		}
		return s.pages.renderIn("home", english, v)
	})
}

// BenchmarkRebuildComponent1000 is one component's page at 1,000
// components, once / or another page has read the fleet's days at this
// version.
func BenchmarkRebuildComponent1000(b *testing.B) {
	benchRebuildFleet(b, 1000, false, func(s *site, ctx context.Context) ([]byte, error) {
		comp, _ := s.d.Engine.Component("service-500")
		v, err := s.componentView(ctx, english, comp)
		if err != nil {
			return nil, err
		}
		return s.pages.renderIn("component", english, v)
	})
}
