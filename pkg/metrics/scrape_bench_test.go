package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ampelstatus/ampel/pkg/status"
)

// fleetResults are one probe of each of 100,000 checks in one zone (the
// last one of each hundred down), as at the end of bench/loadtest's first
// round.
func fleetResults() []status.Result {
	const checks = 100000
	results := make([]status.Result, 0, checks)
	for i := range checks {
		r := status.Result{Check: fmt.Sprintf("check-%06d", i), Zone: "local", Outcome: status.Up, Duration: 2 * time.Millisecond}
		if i%100 == 99 {
			r.Outcome = status.Down
		}
		results = append(results, r)
	}
	return results
}

// scrapeFleet is a Metrics that observed results, of 1,000 components.
func scrapeFleet(perZone bool, results []status.Result) *Metrics {
	const comps = 1000
	m := NewWith(Options{PerZone: perZone})
	known := map[string][]string{}
	for _, r := range results {
		known[r.Check] = []string{r.Zone}
	}
	m.KnownChecks(known)
	per := len(results) / comps
	for i, r := range results {
		var changes []status.Change
		if i%per == 0 {
			changes = []status.Change{{Kind: status.Component, Subject: fmt.Sprintf("service-%03d", i/per), To: status.Up}}
		}
		m.ObserveResult(r, changes)
	}
	return m
}

// heapHeld is the live heap after a collection.
func heapHeld() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkScrape is one scrape of /metrics at 100,000 checks as
// Prometheus asks for it (gzip), per check and per zone: the CPU and
// memory a scrape costs, and its size.
func BenchmarkScrape(b *testing.B) {
	for _, perZone := range []bool{false, true} {
		b.Run(fmt.Sprintf("per_check=%t", !perZone), func(b *testing.B) {
			results := fleetResults()
			before := heapHeld()
			m := scrapeFleet(perZone, results)
			held := int64(heapHeld()) - int64(before)
			h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
			var gz int
			cpu := cpuTime(b)
			b.ReportAllocs()
			for b.Loop() {
				gz = scrape(b, h, "gzip")
			}
			b.ReportMetric(float64((cpuTime(b)-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(held)/float64(len(results)), "held-B/check")
			families, err := m.Registry.Gather()
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, f := range families {
				n += len(f.GetMetric())
			}
			b.ReportMetric(float64(n), "series")
			b.ReportMetric(float64(scrape(b, h, ""))/1e6, "MB")
			b.ReportMetric(float64(gz)/1e6, "gzip-MB")
		})
	}
}

// BenchmarkObserveWhileScraping is ObserveResult, which every probe run
// calls on its worker, at 100,000 checks, with and without scrapes of
// /metrics going on back to back: whether a scrape holds up a probe run.
// It reports the slowest call and the 99.99th percentile.
func BenchmarkObserveWhileScraping(b *testing.B) {
	for _, perZone := range []bool{false, true} {
		for _, scraping := range []bool{false, true} {
			b.Run(fmt.Sprintf("per_check=%t/scraping=%t", !perZone, scraping), func(b *testing.B) {
				results := fleetResults()
				m := scrapeFleet(perZone, results)
				h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
				var stop atomic.Bool
				var wg sync.WaitGroup
				var scrapes int
				if scraping {
					wg.Go(func() {
						for !stop.Load() {
							scrape(b, h, "gzip")
							scrapes++
						}
					})
				}
				took := make([]time.Duration, 0, 1<<20)
				i := 0
				for b.Loop() {
					r := results[i%len(results)]
					i++
					began := time.Now()
					m.ObserveResult(r, nil)
					if len(took) < cap(took) {
						took = append(took, time.Since(began))
					}
				}
				stop.Store(true)
				wg.Wait()
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)-1].Microseconds()), "max-µs")
				b.ReportMetric(float64(took[len(took)*9999/10000].Microseconds()), "p99.99-µs")
				b.ReportMetric(float64(scrapes), "scrapes")
			})
		}
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

// scrape asks h for /metrics once with Accept-Encoding encoding and
// returns the body's size.
func scrape(b *testing.B, h http.Handler, encoding string) int {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Errorf("scrape: %d", rec.Code)
	}
	return rec.Body.Len()
}
