package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func query(t *testing.T, dsn, q string, dest ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, q).Scan(dest...)
}

// Each test gets its own empty database on the shared server.
func TestDBIsFreshAndSeparate(t *testing.T) {
	a, b := DB(t), DB(t)
	if a == b {
		t.Fatalf("two tests share database %s", a)
	}
	var n int
	if err := runSQL(a, `CREATE TABLE x (v int)`); err != nil {
		t.Fatal(err)
	}
	if err := query(t, b, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`, &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("fresh database has %d tables, want 0", n)
	}
}

// A server of a test's own goes down and comes back with its data, as in
// an outage.
func TestServerStopStart(t *testing.T) {
	s := NewServer(t, Options{})
	dsn, err := s.CreateDB("outage")
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := query(t, dsn, `SELECT 1`, &one); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := query(t, dsn, `SELECT 1`, &one); err == nil {
		t.Fatal("stopped server answered")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := query(t, dsn, `SELECT 1`, &one); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
