package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/status"
)

// openReopenable opens a store on this pass's database and returns a
// function that closes it and opens the same database again: a restart.
func openReopenable(t *testing.T) (*Store, func(*Store) *Store) {
	t.Helper()
	ctx := context.Background()
	var open func() *Store
	if testDialect == postgresDialect {
		dsn := pgtest.DBFrom(t, migratedTemplate(t), migrateTemplate)
		open = func() *Store {
			s, err := OpenPostgres(ctx, dsn, PostgresOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	} else {
		path := filepath.Join(t.TempDir(), "ampel.db")
		open = func() *Store {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	var last *Store
	t.Cleanup(func() {
		if last != nil {
			last.Close()
		}
	})
	last = open()
	return last, func(s *Store) *Store {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		last = open()
		return last
	}
}

// countRollupWrites installs triggers that note every row BuildRollups
// inserts, updates or deletes in rollups_daily, by subject, and returns a
// function that reads and clears the notes.
func countRollupWrites(t *testing.T, s *Store) func() []string {
	t.Helper()
	stmts := []string{`CREATE TABLE rollup_writes (subject TEXT NOT NULL)`}
	if testDialect == postgresDialect {
		stmts = append(stmts, `
CREATE FUNCTION note_rollup_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO rollup_writes VALUES (OLD.subject);
	ELSE
		INSERT INTO rollup_writes VALUES (NEW.subject);
	END IF;
	RETURN NULL;
END $$`, `CREATE TRIGGER note_rollup_write AFTER INSERT OR UPDATE OR DELETE ON rollups_daily
FOR EACH ROW EXECUTE FUNCTION note_rollup_write()`)
	} else {
		for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
			row := "NEW"
			if op == "DELETE" {
				row = "OLD"
			}
			stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER note_rollup_%s AFTER %s ON rollups_daily
BEGIN INSERT INTO rollup_writes VALUES (%s.subject); END`, op, op, row))
		}
	}
	for _, q := range stmts {
		if _, err := s.wdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return func() []string { return readRollupWrites(t, s) }
}

// readRollupWrites returns the subjects countRollupWrites's triggers
// noted, and clears the notes.
func readRollupWrites(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.wdb.Query(`SELECT DISTINCT subject FROM rollup_writes ORDER BY subject`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	rows.Close()
	if _, err := s.wdb.Exec(`DELETE FROM rollup_writes`); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRollupsBuildRewritesOnlyChangedSubjects: a minute's build on a
// quiet day writes no daily row; after one subject changes it writes that
// subject's rows only; the rows read back equal one build on a fresh
// store and the direct computation, after a restart and across midnight
// (which rewrites every subject: the new day's rows).
func TestRollupsBuildRewritesOnlyChangedSubjects(t *testing.T) {
	at := func(v string) time.Time { return localTime(t, time.UTC, v) }
	var changes []status.Change
	for i := range 20 {
		changes = append(changes, comp(fmt.Sprintf("svc-%02d", i), at("2026-05-01 08:00").Add(time.Duration(i)*time.Minute), status.NoData, status.Up))
	}
	s, restart := openReopenable(t)
	put(t, s, changes...)
	build(t, s, time.UTC, at("2026-05-02 10:00"))
	writes := countRollupWrites(t, s)

	check := func(now time.Time) {
		t.Helper()
		fresh := openTest(t)
		put(t, fresh, changes...)
		build(t, fresh, time.UTC, now)
		got := allRollups(t, s)
		checkRollups(t, got, allRollups(t, fresh))
		checkRollups(t, got, expectedRollups(changes, time.UTC, now))
	}

	build(t, s, time.UTC, at("2026-05-02 10:01"))
	if w := writes(); len(w) != 0 {
		t.Errorf("a quiet minute's build wrote the rows of %v, want none", w)
	}
	check(at("2026-05-02 10:01"))

	one := comp("svc-07", at("2026-05-02 10:01").Add(30*time.Second), status.Up, status.Down)
	changes = append(changes, one)
	put(t, s, one)
	build(t, s, time.UTC, at("2026-05-02 10:02"))
	if w := writes(); !slices.Equal(w, []string{"svc-07"}) {
		t.Errorf("a build after one change wrote the rows of %v, want [svc-07]", w)
	}
	check(at("2026-05-02 10:02"))

	s = restart(s)
	writes = func() []string { return readRollupWrites(t, s) }
	late := comp("svc-03", at("2026-05-02 09:30"), status.Up, status.Degraded)
	changes = append(changes, late)
	put(t, s, late)
	build(t, s, time.UTC, at("2026-05-02 10:03"))
	// The late change lowers the watermark to 09:30: every subject
	// changed since is rewritten, svc-07 too.
	if w := writes(); !slices.Equal(w, []string{"svc-03", "svc-07"}) {
		t.Errorf("a build after a late change wrote the rows of %v, want [svc-03 svc-07]", w)
	}
	check(at("2026-05-02 10:03"))

	night := comp("svc-11", at("2026-05-02 23:59").Add(30*time.Second), status.Up, status.Maintenance)
	changes = append(changes, night)
	build(t, s, time.UTC, at("2026-05-02 23:59"))
	put(t, s, night)
	build(t, s, time.UTC, at("2026-05-03 00:01"))
	writes()
	check(at("2026-05-03 00:01"))
	build(t, s, time.UTC, at("2026-05-03 00:02"))
	if w := writes(); len(w) != 0 {
		t.Errorf("a quiet build after midnight wrote the rows of %v, want none", w)
	}
	check(at("2026-05-03 00:02"))
}
