package dbcopy_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/dbcopy"
	"github.com/ampelstatus/ampel/pkg/demo"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/store"
)

// BenchmarkMigrateDemoYear is ampel migrate-db's work on the demo's year
// of history: the copy from SQLite into an empty PostgreSQL database
// (rows/s, copy_s) and the verification that follows (verify_s). The
// history is written once; each iteration copies into a fresh database.
//
//	go test ./pkg/dbcopy -run '^$' -bench MigrateDemoYear -benchtime 3x
func BenchmarkMigrateDemoYear(b *testing.B) {
	ctx := context.Background()
	now := time.Now()
	s := demo.NewScenario(now)
	targets, err := demo.StartTargets(s)
	if err != nil {
		b.Fatal(err)
	}
	defer targets.Close()
	cfg, err := demo.Config(b.TempDir(), "127.0.0.1:0", targets, kinds)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Seed(ctx, cfg, s, now, func() time.Time { return now }, io.Discard); err != nil {
		b.Fatal(err)
	}
	src, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	var rows int64
	var copying, verifying time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dst, err := store.OpenPostgres(ctx, pgtest.DB(b), store.PostgresOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := dbcopy.Copy(ctx, dst, src, dbcopy.Options{})
		if err != nil {
			b.Fatal(err)
		}
		began := time.Now()
		if _, err := dbcopy.Verify(ctx, dst, src, cfg.Location, now, target(cfg)); err != nil {
			b.Fatal(err)
		}
		verifying += time.Since(began)
		copying += sum.Took
		rows = sum.Rows
		b.StopTimer()
		dst.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(rows)*float64(b.N)/copying.Seconds(), "rows/s")
	b.ReportMetric(copying.Seconds()/float64(b.N), "copy_s")
	b.ReportMetric(verifying.Seconds()/float64(b.N), "verify_s")
}
