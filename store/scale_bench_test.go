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
//	go test ./store -run '^$' -bench 'Scale' -benchtime 2x
//
// BenchmarkScaleRollups is the BuildRollups that ampel serve runs every
// minute (every subject up since yesterday): one op is one minute's
// build, on a quiet minute, with 1 % of the subjects changed, after a
// clean stop (every subject to no data), the first build after midnight,
// and rewriting the whole day (the ceiling: every build before it was
// incremental).
//
// BenchmarkScalePrune is retention's pruning: one op deletes one minute of results of every check (100,000 rows; the hourly
// pass of a 60 s fleet deletes 60 of them), with transactions bounded by
// rows alone and by rows and checks.

const scaleChecks, scalePerComponent = 100000, 100

func scaleStores(b *testing.B, run func(b *testing.B, s *Store)) {
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLiteTest(b)) })
	b.Run("postgres", func(b *testing.B) {
		s, _ := openPostgresBench(b)
		run(b, s)
	})
}

// writeAll stores results and changes through one Writer and waits, and
// on SQLite checkpoints the WAL: the timed work after it must not pay for
// moving the writer's pages into the database.
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
	if s.d == sqliteDialect {
		if _, err := s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScaleRollups(b *testing.B) {
	scaleStores(b, func(b *testing.B, s *Store) {
		day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
		changes := openFleet(b, s, day)
		now := day.Add(36 * time.Hour)
		ctx := context.Background()
		if err := s.BuildRollups(ctx, time.UTC, now); err != nil {
			b.Fatal(err)
		}
		subjects := len(changes)
		minute := func(b *testing.B) {
			now = now.Add(time.Minute)
			if err := s.BuildRollups(ctx, time.UTC, now); err != nil {
				b.Fatal(err)
			}
		}
		// quiet: nothing changed since the last build.
		b.Run("quiet", func(b *testing.B) {
			b.ReportMetric(float64(subjects), "subjects")
			for b.Loop() {
				minute(b)
			}
		})
		// changed-1pc: 1 % of the checks (in their zone, and as checks)
		// and of the components went down and up again in the minute.
		b.Run("changed-1pc", func(b *testing.B) {
			flip := 0
			for b.Loop() {
				b.StopTimer()
				var cs []status.Change
				for i := flip; i < scaleChecks; i += 100 {
					at := now.Add(20 * time.Second)
					name := fmt.Sprintf("check-%d", i)
					for _, k := range []status.Change{{Kind: status.CheckZone, Subject: name, Zone: "local"}, {Kind: status.Check, Subject: name}} {
						k.At, k.From, k.To = at, status.Up, status.Down
						cs = append(cs, k)
						k.At, k.From, k.To = at.Add(10*time.Second), status.Down, status.Up
						cs = append(cs, k)
					}
					if i%(100*scalePerComponent) == flip {
						c := status.Change{Kind: status.Component, Subject: fmt.Sprintf("svc-%d", i/scalePerComponent), At: at, From: status.Up, To: status.Partial}
						cs = append(cs, c)
						c.At, c.From, c.To = at.Add(10*time.Second), status.Partial, status.Up
						cs = append(cs, c)
					}
				}
				flip = (flip + 1) % 100
				writeAll(b, s, nil, cs)
				b.ReportMetric(float64(len(cs)/2), "subjects-changed")
				b.StartTimer()
				minute(b)
			}
		})
		// stop: a clean stop moves every subject to no data at one
		// instant, and ampel serve builds once more before it exits.
		b.Run("stop", func(b *testing.B) {
			all := func(from, to status.Level, at time.Time) []status.Change {
				cs := make([]status.Change, len(changes))
				for i, c := range changes {
					c.At, c.From, c.To = at, from, to
					cs[i] = c
				}
				return cs
			}
			for b.Loop() {
				b.StopTimer()
				writeAll(b, s, nil, all(status.Up, status.NoData, now.Add(30*time.Second)))
				b.StartTimer()
				minute(b)
				b.StopTimer()
				writeAll(b, s, nil, all(status.NoData, status.Up, now.Add(30*time.Second)))
				minute(b)
				b.StartTimer()
			}
		})
		// midnight: the first build of a day, which closes every
		// subject's row of the day before and starts its row of the new
		// day.
		b.Run("midnight", func(b *testing.B) {
			for b.Loop() {
				y, m, d := now.Date()
				now = time.Date(y, m, d+1, 0, 0, 30, 0, time.UTC)
				if err := s.BuildRollups(ctx, time.UTC, now); err != nil {
					b.Fatal(err)
				}
			}
		})
		// full: the whole day rewritten, as every build did before it was
		// incremental (and as a build still does after a restart from an
		// older version); the ceiling for the two above.
		b.Run("full", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if _, err := s.wdb.Exec(`DELETE FROM meta WHERE key = ?1`, metaRollupBuilt); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				minute(b)
			}
		})
	})
}

func BenchmarkScalePrune(b *testing.B) {
	scaleStores(b, func(b *testing.B, s *Store) {
		const minutes = 5
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
		// Transactions bounded by rows alone (as before pruneChecks),
		// then by rows and checks.
		for _, perTx := range []int{1 << 30, pruneChecks} {
			name := fmt.Sprintf("checks-per-tx=%d", perTx)
			if perTx == 1<<30 {
				name = "checks-per-tx=any"
			}
			b.Run(name, func(b *testing.B) {
				defer func(v int) { pruneChecks = v }(pruneChecks)
				pruneChecks = perTx
				var deleted int64
				var longest time.Duration
				for b.Loop() {
					if cut.Sub(start) >= (minutes-1)*time.Minute {
						b.Fatalf("only %d minutes seeded: run with -benchtime 2x", minutes)
					}
					cut = cut.Add(time.Minute)
					// PruneResults's own steps, each transaction timed:
					// the longest is how long the store writer may wait.
					if err := s.notePruned(ctx, ms(cut)); err != nil {
						b.Fatal(err)
					}
					ids, err := s.checkIDs(ctx)
					if err != nil {
						b.Fatal(err)
					}
					var n int64
					for len(ids) > 0 {
						t0 := time.Now()
						var m int64
						m, ids, err = s.pruneChunk(ctx, ids, ms(cut))
						if err != nil {
							b.Fatal(err)
						}
						longest = max(longest, time.Since(t0))
						n += m
					}
					if n != scaleChecks {
						b.Fatalf("pruned %d results, want %d", n, scaleChecks)
					}
					deleted += n
				}
				b.ReportMetric(float64(deleted)/b.Elapsed().Seconds(), "results/s")
				b.ReportMetric(float64(longest.Microseconds())/1000, "longest-tx-ms")
			})
		}
	})
}
