package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// nullWriter is a ResponseWriter that keeps nothing, so a benchmark of
// the serving path measures Ampel's work and not a recorder's.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }

// benchServe serves path from the page cache as a browser asks for it
// (gzip), the per-request work under an outage crowd.
func benchServe(b *testing.B, h http.Handler, path, host string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = host
	req.RemoteAddr = "192.0.2.1:1"
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	req.Header.Set("User-Agent", "bench")
	w := &nullWriter{h: http.Header{}}
	h.ServeHTTP(w, req)
	if w.code != http.StatusOK {
		b.Fatalf("%s: %d", path, w.code)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
	}
	if w.code != http.StatusOK {
		b.Fatalf("%s: %d", path, w.code)
	}
}

// BenchmarkServeSummary is /api/v2/summary.json from the cache, with
// site.public_url set.
func BenchmarkServeSummary(b *testing.B) {
	benchServe(b, newFixture(b).h, "/api/v2/summary.json", "status.example.com")
}

// BenchmarkServeHome is / from the cache.
func BenchmarkServeHome(b *testing.B) {
	benchServe(b, newFixture(b).h, "/", "status.example.com")
}

// BenchmarkServeSummaryUnlisted is summary.json without site.public_url,
// asked for by a host not in site.hosts (a loopback address, say): its
// bytes name that host, so they are never cached for anyone else.
func BenchmarkServeSummaryUnlisted(b *testing.B) {
	f := newFixture(b)
	f.cfg.Site.PublicURL = ""
	benchServe(b, f.handler(), "/api/v2/summary.json", "127.0.0.1:8080")
}
