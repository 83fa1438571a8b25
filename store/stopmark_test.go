package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// refuseCloses makes the database refuse every change caused "stopped":
// a stop's closes that cannot commit in time.
func refuseCloses(t *testing.T, s *Store) (undo func()) {
	t.Helper()
	stmts := map[dialect][]string{
		sqliteDialect: {`CREATE TRIGGER refuse_close BEFORE INSERT ON state_changes WHEN NEW.cause = 'stopped'
BEGIN SELECT RAISE(ABORT, 'too slow'); END`},
		postgresDialect: {`CREATE FUNCTION refuse_close() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.cause = 'stopped' THEN RAISE EXCEPTION 'too slow'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER refuse_close BEFORE INSERT ON state_changes FOR EACH ROW EXECUTE FUNCTION refuse_close()`},
	}
	for _, q := range stmts[s.d] {
		if _, err := s.wdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		q := s.d.pick(`DROP TRIGGER refuse_close`, `DROP TRIGGER refuse_close ON state_changes`)
		if _, err := s.wdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// A stop records its instant in a transaction of its own, before its
// closes: when they cannot commit before Close gives up, Close does not
// fail, the instant stays for the next start (StoppedAt), and the
// recovery's closes remove it. Both records are fenced like any write.
func TestWriteStop(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	up := status.Change{Kind: status.Component, Subject: "api", At: t0, From: status.NoData, To: status.Up, Cause: "up"}
	closeAt := func(at time.Time) []status.Change {
		return []status.Change{{Kind: status.Component, Subject: "api", At: at, From: status.Up, To: status.NoData, Cause: "stopped"}}
	}
	stoppedAt := func() (time.Time, bool) {
		t.Helper()
		at, ok, err := s.StoppedAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return at, ok
	}
	latest := func() status.Change {
		t.Helper()
		l, err := s.LatestChanges(ctx)
		if err != nil || len(l) != 1 {
			t.Fatalf("latest changes %v, %v", l, err)
		}
		return l[0]
	}

	// A stop that commits in time leaves no record.
	w := s.StartWriter(WriterOptions{})
	w.Write(nil, []status.Change{up})
	w.WriteStop(t0.Add(time.Hour), closeAt(t0.Add(time.Hour)))
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if at, ok := stoppedAt(); ok {
		t.Fatalf("stop recorded at %v after its closes committed", at)
	}
	if c := latest(); c.To != status.NoData || !c.At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("latest %+v, want the stop's close", c)
	}

	// One that cannot commit its closes leaves its instant.
	w.Write(nil, []status.Change{{Kind: status.Component, Subject: "api", At: t0.Add(2 * time.Hour), From: status.NoData, To: status.Up, Cause: "up"}})
	undo := refuseCloses(t, s)
	w.WriteStop(t0.Add(3*time.Hour), closeAt(t0.Add(3*time.Hour)))
	deadline, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := w.Close(deadline); err != nil {
		t.Fatalf("close with the stop's closes refused: %v", err)
	}
	if at, ok := stoppedAt(); !ok || !at.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("stop recorded at %v, %v; want 3h", at, ok)
	}
	if c := latest(); c.To != status.Up {
		t.Fatalf("latest %+v, want up: the closes were refused", c)
	}
	undo()

	// The next start's closes remove it.
	w = s.StartWriter(WriterOptions{})
	w.WriteRecovery(closeAt(t0.Add(3 * time.Hour)))
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if at, ok := stoppedAt(); ok {
		t.Fatalf("stop still recorded at %v after the recovery's closes", at)
	}
	if c := latest(); c.To != status.NoData || !c.At.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("latest %+v, want the close at 3h", c)
	}

	// A stop of a term that ended records nothing on PostgreSQL.
	w.Write(nil, []status.Change{{Kind: status.Component, Subject: "api", At: t0.Add(4 * time.Hour), From: status.NoData, To: status.Up, Cause: "up"}})
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	w.SetFence(&Fence{Holder: "gone", Epoch: 1})
	w.WriteStop(t0.Add(5*time.Hour), closeAt(t0.Add(5*time.Hour)))
	err := w.Flush(ctx)
	_, ok := stoppedAt()
	switch testDialect {
	case postgresDialect:
		if !errors.Is(err, ErrFenced) || ok || latest().To != status.Up {
			t.Fatalf("fenced stop: flush %v, recorded %v, latest %+v; want ErrFenced and nothing stored", err, ok, latest())
		}
	case sqliteDialect:
		if err != nil || ok || latest().To != status.NoData {
			t.Fatalf("stop on SQLite (unfenced): flush %v, recorded %v, latest %+v", err, ok, latest())
		}
	}
	if err := w.Close(ctx); err != nil && !errors.Is(err, ErrFenced) {
		t.Fatal(err)
	}
}
