package ui

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkHomeCached serves / from the page cache, gzipped, as an outage
// crowd gets it.
func BenchmarkHomeCached(b *testing.B) {
	f := newFixture(b)
	hdr := map[string]string{"Accept-Encoding": "gzip"}
	if rec := get(f.h, "/", "192.0.2.1:1", hdr); rec.Code != http.StatusOK {
		b.Fatal(rec.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		get(f.h, "/", "192.0.2.1:1", hdr)
	}
}

// BenchmarkHomeRender builds and renders / from the store and engine, as
// after every state change.
func BenchmarkHomeRender(b *testing.B) {
	f := newFixture(b)
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v, err := s.homeView(ctx, english, s.siteView(t0))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.pages.renderIn("home", english, v); err != nil {
			b.Fatal(err)
		}
	}
}
