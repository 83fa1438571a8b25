package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/status"
)

// seeComponent writes one row through writeTx, as every console and
// leader write does.
func seeComponent(ctx context.Context, s *Store, slug string) error {
	return s.writeTx(ctx, "test write", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO components_seen (slug, first_seen_ms) VALUES (?1, 1)`, slug)
		return err
	})
}

// TestFenceOnlyOnPostgres: a write without a fence is never checked; a
// fenced write is checked on PostgreSQL (here nobody leads, so it is
// refused and stores nothing) and not on SQLite, which one process owns.
func TestFenceOnlyOnPostgres(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := seeComponent(ctx, s, "plain"); err != nil {
		t.Fatalf("unfenced write: %v", err)
	}
	err := seeComponent(WithFence(ctx, Fence{Holder: "a", Epoch: 1}), s, "fenced")
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM components_seen WHERE slug = 'fenced'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	switch testDialect {
	case sqliteDialect:
		if err != nil || n != 1 {
			t.Errorf("fenced write on SQLite: %v, %d rows; want it stored", err, n)
		}
	case postgresDialect:
		if !errors.Is(err, ErrFenced) || n != 0 {
			t.Errorf("fenced write without a lease: %v, %d rows; want ErrFenced and nothing stored", err, n)
		}
	}
}

// twoNodes opens two stores on one fresh PostgreSQL database: two nodes.
func twoNodes(t *testing.T) (a, b *Store) {
	t.Helper()
	dsn := pgtest.DBFrom(t, migratedTemplate(t), migrateTemplate)
	for _, p := range []**Store{&a, &b} {
		s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		closeAtCleanup(t, s)
		*p = s
	}
	return a, b
}

// TestPostgresLease: the first node takes the lease at epoch 1 and renews
// it without a new epoch; another node cannot take it while it runs, and
// takes it with the next epoch once it expired; the deposed node can
// renew nothing; a released lease is taken at once.
func TestPostgresLease(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	l, won, err := a.TakeLease(ctx, "a", 0, time.Minute)
	if err != nil || !won || l.Holder != "a" || l.Epoch != 1 {
		t.Fatalf("first take: %+v, %v; want a at epoch 1", l, err)
	}
	if d := l.Expires.Sub(l.Now); d < 59*time.Second || d > time.Minute {
		t.Errorf("term lasts %s from the database's now, want 1m", d)
	}
	if l, won, err = a.TakeLease(ctx, "a", 1, time.Minute); err != nil || !won || l.Holder != "a" || l.Epoch != 1 {
		t.Fatalf("renewal: %+v, %v; want a still at epoch 1", l, err)
	}
	if l, won, err = b.TakeLease(ctx, "b", 0, time.Minute); err != nil || won || l.Holder != "a" || l.Epoch != 1 {
		t.Fatalf("b while a's term runs: %+v, %v; want a at epoch 1", l, err)
	}
	// A node restarted under the same name does not hold the running term.
	if l, won, err = a.TakeLease(ctx, "a", 0, time.Minute); err != nil || won || l.Epoch != 1 {
		t.Fatalf("a restarted: %+v, %v; want the term unchanged", l, err)
	}
	if _, _, err := a.TakeLease(ctx, "a", 1, 0); err != nil { // a's term ends now
		t.Fatal(err)
	}
	if l, won, err = b.TakeLease(ctx, "b", 0, time.Minute); err != nil || !won || l.Holder != "b" || l.Epoch != 2 {
		t.Fatalf("b after a's term expired: %+v, %v; want b at epoch 2", l, err)
	}
	if l, won, err = a.TakeLease(ctx, "a", 1, time.Minute); err != nil || won || l.Holder != "b" || l.Epoch != 2 {
		t.Fatalf("deposed a renewing: %+v, %v; want b at epoch 2", l, err)
	}
	if err := b.ReleaseLease(ctx, "b", 2); err != nil {
		t.Fatal(err)
	}
	if l, won, err = a.TakeLease(ctx, "a", 0, time.Minute); err != nil || !won || l.Holder != "a" || l.Epoch != 3 {
		t.Fatalf("a after b released: %+v, %v; want a at epoch 3", l, err)
	}
	if got, err := b.ReadLease(ctx); err != nil || got.Holder != "a" || got.Epoch != 3 {
		t.Fatalf("ReadLease: %+v, %v", got, err)
	}
}

// TestPostgresFenceTwoLeadersNeverWrite: a takeover waits for the
// deposed leader's fenced transaction in flight, which commits under the
// old epoch; after it every write of the old term is refused, in
// writeTx and in the batch writer, and a Flush waiting for it fails.
func TestPostgresFenceTwoLeadersNeverWrite(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	if _, _, err := a.TakeLease(ctx, "a", 0, 0); err != nil { // a leads; its term has run out
		t.Fatal(err)
	}
	old := WithFence(ctx, Fence{Holder: "a", Epoch: 1})

	took := make(chan Lease, 1)
	err := a.writeTx(old, "in flight", func(tx *sql.Tx) error {
		go func() {
			l, _, err := b.TakeLease(ctx, "b", 0, time.Minute)
			if err != nil {
				t.Error(err)
			}
			took <- l
		}()
		waitForLockWait(t, b)
		select {
		case l := <-took:
			t.Fatalf("b took the lease (%+v) while a's fenced transaction was open", l)
		default:
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO components_seen (slug, first_seen_ms) VALUES ('landed', 1)`)
		return err
	})
	if err != nil {
		t.Fatalf("a's write in flight: %v; want it committed under epoch 1", err)
	}
	if l := <-took; l.Holder != "b" || l.Epoch != 2 {
		t.Fatalf("b's takeover: %+v, want b at epoch 2", l)
	}

	if err := seeComponent(old, a, "late"); !errors.Is(err, ErrFenced) {
		t.Errorf("deposed leader's write: %v, want ErrFenced", err)
	}
	if err := seeComponent(WithFence(ctx, Fence{Holder: "b", Epoch: 2}), b, "new"); err != nil {
		t.Errorf("new leader's write: %v", err)
	}

	w := a.StartWriter(WriterOptions{})
	w.SetFence(&Fence{Holder: "a", Epoch: 1})
	at := time.UnixMilli(time.Now().UnixMilli())
	w.Write([]status.Result{{Check: "c", Zone: "z", Start: at, Outcome: status.Up}},
		[]status.Change{{Kind: status.Check, Subject: "c", At: at, From: status.NoData, To: status.Up, Cause: "up"}})
	if err := w.Flush(ctx); !errors.Is(err, ErrFenced) {
		t.Errorf("flush of a deposed leader's batch: %v, want ErrFenced", err)
	}
	if w.Fenced() != 1 {
		t.Errorf("Fenced() = %d, want 1", w.Fenced())
	}
	w.SetFence(nil) // an unfenced write (the console's) still lands
	w.Write([]status.Result{{Check: "c", Zone: "z", Start: at.Add(time.Second), Outcome: status.Up}}, nil)
	if err := w.Flush(ctx); err != nil {
		t.Errorf("unfenced flush: %v", err)
	}

	var rows, changes int
	q := `SELECT (SELECT COUNT(*) FROM results), (SELECT COUNT(*) FROM state_changes)`
	if err := a.rdb.QueryRowContext(ctx, q).Scan(&rows, &changes); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || changes != 0 {
		t.Errorf("%d results and %d changes stored, want only the unfenced result", rows, changes)
	}
	var slugs []string
	r, err := a.rdb.QueryContext(ctx, `SELECT slug FROM components_seen ORDER BY slug`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var s string
		if err := r.Scan(&s); err != nil {
			t.Fatal(err)
		}
		slugs = append(slugs, s)
	}
	if len(slugs) != 2 || slugs[0] != "landed" || slugs[1] != "new" {
		t.Errorf("rows written: %v, want [landed new]", slugs)
	}
}

// waitForLockWait waits until a session of s's database waits for a lock.
func waitForLockWait(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		q := `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
		if err := s.rdb.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no session waits for the lease row's lock")
}
