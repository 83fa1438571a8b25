package store

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.sql from the migrations")

// schemaVersion is the version the migrations lead to.
func schemaVersion() int {
	ms, err := migrations(testDialect)
	if err != nil {
		panic(err)
	}
	return len(ms)
}

// execWriter runs SQL on the writer connection: the way in for tests that
// must change a per-connection setting such as max_page_count.
func execWriter(t testing.TB, s *Store, query string, args ...any) {
	t.Helper()
	if _, err := s.wdb.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestOpenCreatesFolderAndPragmas(t *testing.T) {
	s := openTest(t)
	if _, err := os.Stat(s.Path()); err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(s.Path()) {
		t.Errorf("Path() = %q, want absolute", s.Path())
	}
	ctx := context.Background()
	for _, tc := range []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.wdb, "journal_mode", "wal"},
		{s.wdb, "synchronous", "2"}, // FULL
		{s.wdb, "busy_timeout", "5000"},
		{s.wdb, "foreign_keys", "1"},
		{s.rdb, "busy_timeout", "5000"},
		{s.rdb, "foreign_keys", "1"},
		{s.rdb, "user_version", fmt.Sprint(schemaVersion())},
	} {
		var got string
		if err := tc.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	// The readers are read-only.
	if _, err := s.rdb.ExecContext(ctx, `INSERT INTO zones (name) VALUES ('x')`); err == nil {
		t.Error("insert through the read-only pool succeeded")
	}
	if info, err := os.Stat(s.Path()); err == nil && info.Mode().Perm()&0o077 != 0 {
		t.Errorf("database file mode %v, want no access for others", info.Mode().Perm())
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird #dir%20", "a.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

func TestMigrationsApplyOnceAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := userVersion(ctx, s.wdb); err != nil || v != schemaVersion() || v < 2 {
		t.Fatalf("user_version = %d, %v; want %d", v, err, schemaVersion())
	}
	execWriter(t, s, `INSERT INTO zones (name) VALUES ('eu')`)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening applies nothing again and keeps the data.
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM zones`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("zones = %d, %v; want 1", n, err)
	}
}

func TestMigrationStopsAtFailure(t *testing.T) {
	// A database half-way: version 1 applied by hand, with a table that
	// makes migration 2 fail. Open must fail and leave version 1.
	path := filepath.Join(t.TempDir(), "a.db")
	ctx := context.Background()
	db, err := sql.Open("sqlite3", writerDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations(sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(ctx, db, sqliteDialect, ms[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE rollups_daily (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(ctx, path); err == nil {
		s.Close()
		t.Fatal("Open succeeded over a failing migration")
	} else if !strings.Contains(err.Error(), "0002_") {
		t.Errorf("error %q does not name the migration", err)
	}
	db, _ = sql.Open("sqlite3", writerDSN(path))
	defer db.Close()
	if v, err := userVersion(ctx, db); err != nil || v != 1 {
		t.Errorf("user_version = %d, %v; want 1", v, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	execWriter(t, s, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion()+1))
	s.Close()

	s, err = Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database newer than the binary")
	}
	if !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("error = %v", err)
	}
}

func TestMigrationFilesAreNumbered(t *testing.T) {
	ms, err := migrations(sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if want := fmt.Sprintf("%04d_", i+1); !strings.HasPrefix(m.name, want) {
			t.Errorf("migration %s: want prefix %s", m.name, want)
		}
	}
}

// TestSchemaGolden keeps the golden schema of each database
// (testdata/schema.sql for SQLite, testdata/schema_postgres.sql), the
// schema as a whole for reviewers, equal to what the migrations build.
// Regenerate them with go test ./store -run TestSchemaGolden -update.
func TestSchemaGolden(t *testing.T) {
	s := openTest(t)
	var got, golden string
	if s.d == postgresDialect {
		got, golden = dumpPostgresSchema(t, s), filepath.Join("testdata", "schema_postgres.sql")
	} else {
		got, golden = dumpSchema(t, s), filepath.Join("testdata", "schema.sql")
	}
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./store -update)", err)
	}
	if got != string(want) {
		t.Errorf("schema differs from %s (run go test ./store -update and review the diff):\n%s", golden, got)
	}
}

// dumpSchema lists every table and index from sqlite_master, sorted.
func dumpSchema(t *testing.T, s *Store) string {
	t.Helper()
	const q = `
SELECT type, name, sql FROM sqlite_master
WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
ORDER BY type DESC, name`
	rows, err := s.rdb.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "-- Generated by go test ./store -update from store/migrations/sqlite. Do not edit.\n")
	fmt.Fprintf(&b, "-- PRAGMA user_version = %d\n", schemaVersion())
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n-- %s %s\n%s;\n", typ, name, sql)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
