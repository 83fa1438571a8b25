package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

// benchPG is the PostgreSQL server of the benchmarks, with fsync on like
// SQLite's synchronous=FULL (the tests' shared server runs without):
// started on first use, stopped by TestMain.
var benchPG struct {
	once sync.Once
	srv  *pgtest.Server
	err  error
	n    int
}

// openPostgresBench opens a store in a new database on benchPG.
func openPostgresBench(b *testing.B) (*Store, string) {
	b.Helper()
	benchPG.once.Do(func() { benchPG.srv, benchPG.err = pgtest.StartServer(pgtest.Options{Fsync: true}) })
	if benchPG.err != nil {
		b.Fatal(benchPG.err)
	}
	benchPG.n++
	dsn, err := benchPG.srv.CreateDB(fmt.Sprintf("bench_%d", benchPG.n))
	if err != nil {
		b.Fatal(err)
	}
	s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{})
	if err != nil {
		b.Fatal(err)
	}
	closeAtCleanup(b, s)
	return s, dsn
}

func stopBenchPostgres() {
	if benchPG.srv != nil {
		benchPG.srv.Close()
	}
}

// BenchmarkPostgresWriter is BenchmarkWriter on PostgreSQL (fsync on):
// results/s through the Writer, one result per Write call, committed in
// batches of 1000.
func BenchmarkPostgresWriter(b *testing.B) {
	s, _ := openPostgresBench(b)
	benchWriter(b, s)
}

// BenchmarkPostgresCopyCeiling is BenchmarkPostgresWriter's ceiling on the
// same server: pgx's native COPY of the same rows into the same table,
// 1000 per transaction, ids known beforehand, no resend check, no queue,
// no database/sql.
func BenchmarkPostgresCopyCeiling(b *testing.B) {
	ctx := context.Background()
	s, dsn := openPostgresBench(b)
	rs := newFleet().results(b.N)
	id := benchNameIDs(b, s)
	rows := make([][]any, len(rs))
	for i, r := range rs {
		rows[i] = []any{id("checks", r.Check), id("zones", r.Zone), r.Instance, r.Start.UnixMilli(),
			r.Duration.Microseconds(), int64(outcomeCode(r.Outcome)), r.Reason, r.Detail}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	cols := []string{"check_id", "zone_id", "instance", "started_at_ms", "duration_us", "outcome", "reason", "detail"}
	b.ResetTimer()
	start := time.Now()
	for lo := 0; lo < len(rows); lo += 1000 {
		hi := min(lo+1000, len(rows))
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"results"}, cols, pgx.CopyFromRows(rows[lo:hi])); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/took.Seconds(), "results/s")
}

// BenchmarkPostgresBytesPerResult reports results' size on PostgreSQL
// (table, index and TOAST: pg_total_relation_size) per stored result,
// after 200,000 realistic results through the Writer and a VACUUM. It
// does that once whatever b.N is:
// go test ./store -run '^$' -bench PostgresBytesPerResult
func BenchmarkPostgresBytesPerResult(b *testing.B) {
	const n = 200_000
	ctx := context.Background()
	s, _ := openPostgresBench(b)
	rs := newFleet().results(n)
	b.ResetTimer()
	w := s.StartWriter(WriterOptions{})
	for i := 0; i < n; i += 100 {
		w.Write(rs[i:i+100], nil)
	}
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if _, err := s.wdb.Exec(`VACUUM ANALYZE results`); err != nil {
		b.Fatal(err)
	}
	var size, count int64
	if err := s.rdb.QueryRow(`SELECT pg_total_relation_size('results'), (SELECT count(*) FROM results)`).Scan(&size, &count); err != nil {
		b.Fatal(err)
	}
	if count != n {
		b.Fatalf("stored %d results, want %d", count, n)
	}
	b.ReportMetric(float64(size)/float64(count), "bytes/result")
}
