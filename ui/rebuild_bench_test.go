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
func benchRebuildFleet(b *testing.B, n int, build func(s *site, ctx context.Context) ([]byte, error)) {
	cfg, engine, st := fleet(b, n)
	s, err := newSite(Deps{Config: cfg, Engine: engine, Store: st, Feed: NewFeed(engine, nil), Now: func() time.Time { return t0 }, Started: fleetStart(cfg)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var size, gz int
	b.ReportAllocs()
	for b.Loop() {
		r, err := renderNow(0, t0, "text/html", func() ([]byte, error) { return build(s, ctx) })
		if err != nil {
			b.Fatal(err)
		}
		size, gz = len(r.body), len(r.gz)
	}
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(gz), "gzip-bytes")
}

// BenchmarkRebuildHome1000 is / at 1,000 components.
func BenchmarkRebuildHome1000(b *testing.B) {
	benchRebuildFleet(b, 1000, func(s *site, ctx context.Context) ([]byte, error) {
		v, err := s.homeView(ctx)
		if err != nil {
			return nil, err
		}
		return s.pages.render("home", v)
	})
}

// BenchmarkRebuildComponent1000 is one component's page at 1,000
// components (its history read is the whole fleet's, shared with /).
func BenchmarkRebuildComponent1000(b *testing.B) {
	benchRebuildFleet(b, 1000, func(s *site, ctx context.Context) ([]byte, error) {
		comp, _ := s.d.Engine.Component("service-500")
		v, err := s.componentView(ctx, comp)
		if err != nil {
			return nil, err
		}
		return s.pages.render("component", v)
	})
}
