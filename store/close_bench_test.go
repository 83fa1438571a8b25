package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// openFleet stores the first round of a 100,000-check fleet (1,000
// components of 100 checks, one zone): every subject moved from no data
// to up, 201,000 open intervals. It returns those changes.
func openFleet(b *testing.B, s *Store, at time.Time) []status.Change {
	b.Helper()
	var changes []status.Change
	up := func(kind status.Kind, subject, zone string, i int) {
		changes = append(changes, status.Change{Kind: kind, Subject: subject, Zone: zone,
			At: at.Add(time.Duration(i) * time.Millisecond), From: status.NoData, To: status.Up, Cause: "all checks up"})
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
	return changes
}

// BenchmarkCloseAll is what a clean stop of a 100,000-check fleet
// writes: a change to no data for each of its 201,000 open subjects, in
// one transaction, on each database:
//
//	go test ./store -run '^$' -bench CloseAll -benchtime 2x
//
// per-row is one execution of a prepared statement per change, as the
// writer stored changes on both databases before; arrays is one
// statement from arrays (PostgreSQL's way now; SQLite keeps per-row).
// Each op closes every subject after re-opening it (not timed), so each
// inserts 201,000 rows into a table that grows by 402,000 an op.
func BenchmarkCloseAll(b *testing.B) {
	ways := []struct {
		name   string
		insert func(context.Context, *sql.Tx, []status.Change) error
	}{{"per-row", insertChangeRows}, {"arrays", insertChangeArrays}}
	scaleStores(b, func(b *testing.B, s *Store) {
		for _, way := range ways {
			if way.name == "arrays" && s.d != postgresDialect {
				continue
			}
			b.Run(way.name, func(b *testing.B) {
				ctx := context.Background()
				at := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
				open := openFleet(b, s, at)
				closes := make([]status.Change, len(open))
				commit := func(changes []status.Change) {
					tx, err := s.wdb.BeginTx(ctx, nil)
					if err != nil {
						b.Fatal(err)
					}
					if err := way.insert(ctx, tx, changes); err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				for b.Loop() {
					at = at.Add(time.Hour)
					for i, c := range open {
						closes[i] = status.Change{Kind: c.Kind, Subject: c.Subject, Zone: c.Zone, At: at, From: status.Up, To: status.NoData, Cause: "Ampel stopped"}
						open[i].At = at.Add(time.Minute)
					}
					commit(closes)
					b.StopTimer()
					commit(open) // up again, for the next op
					b.StartTimer()
				}
				b.ReportMetric(float64(len(closes)), "changes/op")
			})
		}
	})
}
