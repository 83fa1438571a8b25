package ui

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/status"
)

// rebuildPaths are the responses a state change makes stale, as the
// rebuild benchmarks ask for them.
var rebuildPaths = []struct{ name, path string }{
	{"home", "/"},
	{"component", "/components/service-500"},
	{"badge", "/badge/service-500.svg"},
	{"badge-uptime", "/badge/service-500.svg?metric=uptime"},
	{"summary.json", "/api/v2/summary.json"},
	{"components.json", "/api/v2/components.json"},
	{"status.json", "/api/v2/status.json"},
}

// fleetBenchSite is a site over fleetWith(n, checks), its clock at at().
func fleetBenchSite(b *testing.B, n, checks int, at func() time.Time) (*fleetParts, *site, http.Handler) {
	b.Helper()
	began := time.Now()
	f := fleetWith(b, n, checks)
	b.Logf("setup: %d components of %d checks with 90 days in %s", n, checks, time.Since(began).Round(time.Millisecond))
	f.feed = NewFeed(f.engine, live.New("bench", 64))
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.st, Feed: f.feed, Now: at, Started: fleetStart(f.cfg)})
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	s.routes(e)
	return f, s, e
}

// BenchmarkRebuildFleet is what one state change costs the site at 1,000
// components of 100 checks (100,000 checks, 90 days of history each):
// each iteration moves to a new state version (an operator's edit, which
// pages show at once) and asks for the response through its handler, so
// it is rebuilt: store reads, view, template or JSON, gzip and entity
// tag. Every response built before at another version counts as built
// (the days read, say), as after a state change.
func BenchmarkRebuildFleet(b *testing.B) {
	_, s, h := fleetBenchSite(b, 1000, 100, func() time.Time { return t0 })
	for _, p := range rebuildPaths {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			req.RemoteAddr = "192.0.2.1:1"
			req.Header.Set("Accept-Encoding", "gzip")
			w := &nullWriter{h: http.Header{}}
			h.ServeHTTP(w, req) // built once at some version, as in service
			builds := s.cache.builds.Load()
			cpu := cpuTime(b)
			b.ReportAllocs()
			for b.Loop() {
				s.edited()
				clear(w.h)
				w.n = 0
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.code)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(w.n), "gzip-bytes")
			if got := s.cache.builds.Load() - builds; got != uint64(b.N) {
				b.Fatalf("%d builds in %d requests at new versions", got, b.N)
			}
		})
	}
}

// readEvery paces each reader of BenchmarkRebuildUnderChanges.
const readEvery = 5 * time.Millisecond

// BenchmarkRebuildUnderChanges is the site's CPU under a steady stream
// of state changes at 1,000 components of 100 checks: changesPerSecond
// component changes through the real ingest path (each check flips down
// or up), while readers ask for the responses of rebuildPaths in turn,
// each reader one every readEvery, for window. "changes only"
// is the same stream without readers, the baseline; the site's cost is
// the difference. It reports how often / was rebuilt (distinct entity
// tags the readers saw) and the builds of every response.
func BenchmarkRebuildUnderChanges(b *testing.B) {
	const (
		window           = 10 * time.Second
		changesPerSecond = 20
		readers          = 4
	)
	start := time.Now()
	clock := func() time.Time { return t0.Add(time.Since(start)) }
	f, s, h := fleetBenchSite(b, 1000, 100, clock)
	for _, withReaders := range []bool{false, true} {
		name := "changes only"
		if withReaders {
			name = "with readers"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				builds := s.cache.builds.Load()
				cpu := cpuTime(b)
				began := time.Now()
				var wg sync.WaitGroup
				stop := make(chan struct{})
				var requests, homeTags atomic.Int64
				if withReaders {
					for r := range readers {
						wg.Go(func() { requests.Add(readFleet(b, h, r, stop, &homeTags)) })
					}
				}
				flips := flipChecks(f, clock, changesPerSecond, window)
				close(stop)
				wg.Wait()
				wall := time.Since(began).Seconds()
				b.ReportMetric((cpuTime(b)-cpu).Seconds()/wall, "cores")
				b.ReportMetric(float64(flips)/wall, "changes/s")
				b.ReportMetric(float64(s.cache.builds.Load()-builds)/wall, "builds/s")
				b.ReportMetric(float64(homeTags.Load())/wall, "home-builds/s")
				b.ReportMetric(float64(requests.Load())/wall, "requests/s")
			}
		})
	}
}

// flipChecks moves a check of a random component down or up every
// 1/perSecond for window, through the fleet's ingest, and returns how
// many it moved.
func flipChecks(f *fleetParts, clock func() time.Time, perSecond int, window time.Duration) int {
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	end := time.After(window)
	down := map[int]bool{}
	n := 0
	for {
		select {
		case <-end:
			return n
		case <-tick.C:
			i := rand.IntN(len(f.cfg.Components))
			outcome := status.Down
			if down[i] {
				outcome = status.Up
			}
			down[i] = !down[i]
			f.in.Handle(status.Result{Check: fmt.Sprintf("check-%03d-%02d", i, 1+rand.IntN(99)), Zone: "eu", Start: clock(),
				Duration: time.Millisecond, Outcome: outcome, Reason: "HTTP 503"})
			n++
		}
	}
}

// readFleet asks for the public responses in turn, one every
// readEvery, until stop, counting in homeTags each new build of / it is
// served, and returns how many it asked for.
func readFleet(b *testing.B, h http.Handler, reader int, stop <-chan struct{}, homeTags *atomic.Int64) int64 {
	w := &nullWriter{h: http.Header{}}
	tick := time.NewTicker(readEvery)
	defer tick.Stop()
	var lastHome string
	var n int64
	for i := reader; ; i++ {
		select {
		case <-stop:
			return n
		case <-tick.C:
		}
		p := rebuildPaths[i%len(rebuildPaths)].path
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.RemoteAddr = "192.0.2.1:1"
		req.Header.Set("Accept-Encoding", "gzip")
		clear(w.h)
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Errorf("%s: %d", p, w.code)
			return n
		}
		if p == "/" {
			if tag := w.h.Get("ETag"); tag != lastHome {
				lastHome = tag
				homeTags.Add(1)
			}
		}
		n++
	}
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
