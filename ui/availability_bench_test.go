package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// BenchmarkAvailabilityReport builds and renders /availability — this
// month, the previous twelve and the last 90 days — for 1,000 components
// over a year of history, from a real SQLite database whose rollups were
// built from that history's state changes. Setup (not timed) writes about
// 150,000 changes and builds 366 days of rollups.
func BenchmarkAvailabilityReport(b *testing.B) {
	benchAvailabilityReport(b, availabilityBenchSite(b, openSQLiteBench(b)))
}

// BenchmarkAvailabilityReportPostgres is the same report from PostgreSQL
// (a throwaway server with fsync on, on the same machine).
func BenchmarkAvailabilityReportPostgres(b *testing.B) {
	srv := pgtest.NewServer(b, pgtest.Options{Fsync: true})
	dsn, err := srv.CreateDB("ampel")
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.OpenPostgres(context.Background(), dsn, store.PostgresOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	benchAvailabilityReport(b, availabilityBenchSite(b, st))
}

func openSQLiteBench(b *testing.B) *store.Store {
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "ampel.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func benchAvailabilityReport(b *testing.B, s *site) {
	ctx := context.Background()
	var size int
	b.ReportAllocs()
	for b.Loop() {
		v, err := s.availabilityView(ctx, english)
		if err != nil {
			b.Fatal(err)
		}
		page, err := s.pages.renderIn("availability", english, v)
		if err != nil {
			b.Fatal(err)
		}
		size = len(page)
	}
	b.ReportMetric(float64(size)/1e6, "MB/page")
}

// BenchmarkSummaryAvailability is what the availability figures add to
// each rebuild of summary.json, over the same history.
func BenchmarkSummaryAvailability(b *testing.B) {
	ctx := context.Background()
	s := availabilityBenchSite(b, openSQLiteBench(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.summaryAvailability(ctx, s.now()); err != nil {
			b.Fatal(err)
		}
	}
}

// availabilityBenchSite is a site of 1,000 components with a year of
// history and its rollups in st.
func availabilityBenchSite(b *testing.B, st *store.Store) *site {
	b.Helper()
	const comps = 1000
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)
	cfg := &config.Config{
		Site:         config.Site{Title: "Bench", Timezone: "Europe/Berlin", SLO: 99.9},
		Location:     berlin,
		Availability: config.Availability{PartialWeight: 0.3, Credits: []config.CreditTier{{Below: 99.9, Credit: 10}, {Below: 99, Credit: 25}}},
		Zones:        []config.Zone{{Name: "eu", Kind: "local"}},
	}
	for i := range comps {
		cfg.Components = append(cfg.Components, config.Component{
			Slug: fmt.Sprintf("svc-%04d", i), Name: fmt.Sprintf("Service %d", i), Group: fmt.Sprintf("Group %d", i/50), GroupWeight: 1,
			Checks: []config.Check{{Name: fmt.Sprintf("svc-%04d-health", i), Kind: "http", Target: "http://127.0.0.1:1/", Zones: []string{"eu"}}},
		})
	}
	ctx := context.Background()
	began := time.Now()
	n := yearOfChanges(b, st, cfg, now)
	if err := st.BuildRollups(ctx, berlin, now); err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %d changes, rollups built, in %s", n, time.Since(began).Round(time.Millisecond))

	s, err := newSite(Deps{Config: cfg, Engine: state.New(cfg), Store: st, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// yearOfChanges writes a year of component history before now: every
// component up from the start, with an outage (partial or major, 1 to 90
// minutes) or a maintenance window every five days on average.
func yearOfChanges(b *testing.B, st *store.Store, cfg *config.Config, now time.Time) int {
	b.Helper()
	w := st.StartWriter(store.WriterOptions{MaxBatch: 5000})
	start := now.AddDate(-1, 0, -1)
	rng := rand.New(rand.NewPCG(6, 1))
	total := 0
	for _, comp := range cfg.Components {
		c := func(at time.Time, from, to status.Level) status.Change {
			return status.Change{Kind: status.Component, Subject: comp.Slug, At: at, From: from, To: to, Cause: "bench"}
		}
		changes := []status.Change{c(start, status.NoData, status.Up)}
		for at := start; ; {
			at = at.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
			length := time.Minute + time.Duration(rng.Int64N(int64(89*time.Minute)))
			if !at.Add(length).Before(now) {
				break
			}
			level := []status.Level{status.Partial, status.Down, status.Maintenance}[rng.IntN(3)]
			changes = append(changes, c(at, status.Up, level), c(at.Add(length), level, status.Up))
		}
		w.Write(nil, changes)
		total += len(changes)
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	return total
}
