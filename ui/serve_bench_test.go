package ui

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// nullWriter is a ResponseWriter that keeps nothing, so a benchmark of
// the serving path measures Ampel's work and not a recorder's.
type nullWriter struct {
	h    http.Header
	code int
	n    int // bytes written
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }
func (w *nullWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

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

// BenchmarkServeLoopback serves summary.json over loopback TCP from an
// http.Server set up as serve sets it up (ui.NewServer), to 50 keep-alive
// connections that each send the next request once the last response is
// read, beside the ceiling: a bare net/http server answering the same
// bytes and headers from memory. A CPU profile of it shows the whole
// serving path, net/http's part included.
func BenchmarkServeLoopback(b *testing.B) {
	f := newFixture(b)
	req := httptest.NewRequest(http.MethodGet, "/api/v2/summary.json", nil)
	req.Host = "status.example.com"
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	hdr, body := rec.Header().Clone(), rec.Body.Bytes()
	ceiling := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.Write(body)
	})
	for _, c := range []struct {
		name string
		srv  func() *http.Server
	}{
		{"ampel", func() *http.Server { return NewServer(f.h, slog.New(slog.DiscardHandler)) }},
		{"ceiling", func() *http.Server {
			return &http.Server{Handler: ceiling, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := c.srv()
			go srv.Serve(ln)
			defer srv.Close()
			raw := []byte("GET /api/v2/summary.json HTTP/1.1\r\nHost: status.example.com\r\nUser-Agent: bench\r\nAccept-Encoding: gzip\r\n\r\n")
			const conns = 50
			var next atomic.Int64
			n := int64(b.N)
			var wg sync.WaitGroup
			b.ResetTimer()
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cn, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						b.Error(err)
						return
					}
					defer cn.Close()
					br := bufio.NewReader(cn)
					for next.Add(1) <= n {
						if _, err := cn.Write(raw); err != nil {
							b.Error(err)
							return
						}
						res, err := http.ReadResponse(br, nil)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
