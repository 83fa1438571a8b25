package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// The background work of a 100,000-check fleet (1,000 components of 100
// checks, one zone), on each database:
//
//	go test ./store -run '^$' -bench 'Scale' -benchtime 3x
//
// BenchmarkScaleRollups is the BuildRollups that ampel serve runs every
// minute, on a quiet day (every subject up since yesterday): one op is
// one minute's build. BenchmarkScalePrune is retention's pruning: one op
// deletes one minute of results of every check (100,000 rows); the hourly
// pass of a 60 s fleet deletes 60 of them.

const scaleChecks, scalePerComponent = 100000, 100

func scaleStores(b *testing.B, run func(b *testing.B, s *Store)) {
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLiteTest(b)) })
	b.Run("postgres", func(b *testing.B) {
		s, _ := openPostgresBench(b)
		run(b, s)
	})
}

// writeAll stores results and changes through one Writer and waits.
func writeAll(b *testing.B, s *Store, results []status.Result, changes []status.Change) {
	b.Helper()
	w := s.StartWriter(WriterOptions{})
	for len(results) > 0 || len(changes) > 0 {
		nr, nc := min(len(results), 1000), min(len(changes), 1000)
		w.Write(results[:nr], changes[:nc])
		results, changes = results[nr:], changes[nc:]
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkScaleRollups(b *testing.B) {
	scaleStores(b, func(b *testing.B, s *Store) {
		day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
		var changes []status.Change
		up := func(kind status.Kind, subject, zone string, i int) {
			changes = append(changes, status.Change{Kind: kind, Subject: subject, Zone: zone,
				At: day.Add(time.Duration(i) * time.Millisecond), From: status.NoData, To: status.Up, Cause: "all checks up"})
		}
		for i := range scaleChecks {
			name := fmt.Sprintf("check-%d", i)
			up(status.CheckZone, name, "local", i)
			up(status.Check, name, "", i)
			if i%scalePerComponent == 0 {
				up(status.Component, fmt.Sprintf("svc-%d", i/scalePerComponent), "", i)
			}
		}
		writeAll(b, s, nil, changes)
		now := day.Add(36 * time.Hour)
		ctx := context.Background()
		if err := s.BuildRollups(ctx, time.UTC, now); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(changes)), "subjects")
		for b.Loop() {
			now = now.Add(time.Minute)
			if err := s.BuildRollups(ctx, time.UTC, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkScalePrune(b *testing.B) {
	scaleStores(b, func(b *testing.B, s *Store) {
		const minutes = 4
		start := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
		results := make([]status.Result, 0, minutes*scaleChecks)
		for m := range minutes {
			for i := range scaleChecks {
				results = append(results, status.Result{Check: fmt.Sprintf("check-%d", i), Zone: "local",
					Start:   start.Add(time.Duration(m)*time.Minute + time.Duration(i)*600*time.Microsecond),
					Outcome: status.Up, Duration: 2 * time.Millisecond})
			}
		}
		writeAll(b, s, results, nil)
		ctx := context.Background()
		cut := start
		var deleted int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i >= minutes-1 {
				b.Fatalf("only %d minutes seeded: run with -benchtime %dx or less", minutes, minutes-1)
			}
			cut = cut.Add(time.Minute)
			n, err := s.PruneResults(ctx, cut)
			if err != nil {
				b.Fatal(err)
			}
			if n != scaleChecks {
				b.Fatalf("pruned %d results, want %d", n, scaleChecks)
			}
			deleted += n
		}
		b.ReportMetric(float64(deleted)/b.Elapsed().Seconds(), "results/s")
	})
}
