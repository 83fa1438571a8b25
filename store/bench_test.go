package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// fleet makes realistic results: 500 checks in 3 zones every 30 s, one in
// ten against pods, 97 % up, a few slow, a few down with a reason and an
// operator's detail.
type fleet struct {
	rng   *rand.Rand
	next  time.Time
	i     int
	zones []string
}

func newFleet() *fleet {
	return &fleet{
		rng:   rand.New(rand.NewPCG(1, 2)),
		next:  time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		zones: []string{"eu-central", "us-east", "ap-south"},
	}
}

func (f *fleet) result() status.Result {
	const checks = 500
	c := f.i % checks
	z := (f.i / checks) % len(f.zones)
	f.i++
	if f.i%(checks*len(f.zones)) == 0 {
		f.next = f.next.Add(30 * time.Second)
	}
	r := status.Result{
		Check:    fmt.Sprintf("svc-%03d-health", c),
		Zone:     f.zones[z],
		Start:    f.next.Add(time.Duration(c) * 60 * time.Millisecond),
		Duration: time.Duration(20+f.rng.ExpFloat64()*60) * time.Millisecond,
		Outcome:  status.Up,
	}
	if c%10 == 0 {
		r.Instance = fmt.Sprintf("10.0.%d.%d:8080", c/256, c%256)
	}
	switch p := f.rng.IntN(100); {
	case p < 1:
		r.Outcome = status.Down
		r.Reason = "HTTP 503"
		r.Detail = "GET https://svc.internal/healthz: 503 Service Unavailable"
	case p < 3:
		r.Outcome = status.Degraded
		r.Reason = "slow: 2.3s"
		r.Duration += 2 * time.Second
	}
	return r
}

func (f *fleet) results(n int) []status.Result {
	out := make([]status.Result, n)
	for i := range out {
		out[i] = f.result()
	}
	return out
}

// BenchmarkWriter measures results/s through the Writer, one result per
// Write call as the scheduler makes them, committed in batches of 1000
// with synchronous=FULL.
func BenchmarkWriter(b *testing.B) { benchWriter(b, openTest(b)) }

// benchWriter writes b.N fleet results through s's Writer, one per Write
// call, and reports results/s.
func benchWriter(b *testing.B, s *Store) {
	rs := newFleet().results(b.N)
	w := s.StartWriter(WriterOptions{MaxBatch: 1000})
	b.ResetTimer()
	start := time.Now()
	for i := range rs {
		w.Write(rs[i:i+1], nil)
	}
	if err := w.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/took.Seconds(), "results/s")
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRawInsert is the ceiling BenchmarkWriter is compared with: a
// plain loop of INSERTs of the same rows, 1000 per transaction, with the
// names' ids known beforehand, no goroutine and no queue, on the same
// schema and pragmas.
func BenchmarkRawInsert(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	rs := newFleet().results(b.N)
	id := benchNameIDs(b, s)
	keys := make([]struct{ check, zone int64 }, len(rs))
	for i, r := range rs {
		keys[i] = struct{ check, zone int64 }{id("checks", r.Check), id("zones", r.Zone)}
	}
	b.ResetTimer()
	start := time.Now()
	for lo := 0; lo < len(rs); lo += 1000 {
		hi := min(lo+1000, len(rs))
		if err := rawBatch(ctx, s.wdb, rs[lo:hi], keys[lo:hi]); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/took.Seconds(), "results/s")
}

func rawBatch(ctx context.Context, db *sql.DB, rs []status.Result, keys []struct{ check, zone int64 }) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const q = `
INSERT INTO results (check_id, zone_id, instance, started_at_ms, duration_us, outcome, reason, detail)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT DO NOTHING`
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	for i, r := range rs {
		if _, err := stmt.ExecContext(ctx, keys[i].check, keys[i].zone, r.Instance, r.Start.UnixMilli(),
			r.Duration.Microseconds(), outcomeCode(r.Outcome), r.Reason, r.Detail); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// BenchmarkBytesPerResult reports the database's size on disk per stored
// result: 200,000 realistic results through the Writer, checkpointed. It
// does that once whatever b.N is, so any -benchtime gives the same figure:
// go test ./store -run '^$' -bench BytesPerResult
func BenchmarkBytesPerResult(b *testing.B) {
	const n = 200_000
	ctx := context.Background()
	s := openTest(b)
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
	if _, err := s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(s.Path())
	if err != nil {
		b.Fatal(err)
	}
	count, err := s.CountResults(ctx)
	if err != nil || count != n {
		b.Fatalf("stored %d results, %v; want %d", count, err, n)
	}
	b.ReportMetric(float64(info.Size())/float64(count), "bytes/result")
}

// benchNameIDs returns a function giving the id of a check or zone name in s,
// inserting it the first time: the ceilings know their ids beforehand, as
// the Writer's cache does.
func benchNameIDs(b *testing.B, s *Store) func(table, name string) int64 {
	ids := map[string]int64{}
	return func(table, name string) int64 {
		key := table + "/" + name
		if v, ok := ids[key]; ok {
			return v
		}
		var v int64
		if err := s.wdb.QueryRow(`INSERT INTO `+table+` (name) VALUES (?1) RETURNING id`, name).Scan(&v); err != nil {
			b.Fatal(err)
		}
		ids[key] = v
		return v
	}
}
