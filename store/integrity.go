package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// CorruptError reports a database file that SQLite's own checks find
// damaged. Problems holds the first lines SQLite reported.
type CorruptError struct {
	Path     string
	Problems []string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is damaged: %s", e.Path, strings.Join(e.Problems, "; "))
}

// maxProblems bounds the lines kept from integrity_check, which can list
// thousands for one bad page.
const maxProblems = 5

// checkIntegrity runs PRAGMA quick_check (full false) or integrity_check
// on db and returns a *CorruptError naming path when it is not "ok". A
// driver error that means the file is not a sound database (SQLITE_CORRUPT,
// SQLITE_NOTADB) is reported as a *CorruptError too.
func checkIntegrity(ctx context.Context, db *sql.DB, path string, full bool) error {
	q := "PRAGMA quick_check(" + fmt.Sprint(maxProblems) + ")"
	if full {
		q = "PRAGMA integrity_check(" + fmt.Sprint(maxProblems) + ")"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return asCorrupt(path, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return asCorrupt(path, err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return asCorrupt(path, err)
	}
	if len(lines) == 1 && lines[0] == "ok" {
		return nil
	}
	return &CorruptError{Path: path, Problems: lines}
}

// asCorrupt turns the driver's "this is not a sound database" errors into
// a *CorruptError and wraps any other.
func asCorrupt(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB) {
		return &CorruptError{Path: path, Problems: []string{se.Error()}}
	}
	return fmt.Errorf("check %s: %w", path, err)
}

// SnapshotSummary describes a verified snapshot file.
type SnapshotSummary struct {
	// SchemaVersion is the snapshot's migration level.
	SchemaVersion int
	// LastResultAt is when its newest result ended; zero without results.
	LastResultAt time.Time
}

// VerifySnapshot checks a snapshot file before it is trusted: it must
// exist, pass PRAGMA integrity_check, and be an Ampel database this binary
// can open (schema version 1 to its own). The file is opened read-only and
// immutable, so verifying never writes next to it.
func VerifySnapshot(ctx context.Context, path string) (SnapshotSummary, error) {
	var sum SnapshotSummary
	fi, err := os.Stat(path)
	if err != nil {
		return sum, fmt.Errorf("snapshot: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return sum, fmt.Errorf("snapshot %s is not a regular file", path)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	db, err := sql.Open("sqlite3", fileURI(path, q))
	if err != nil {
		return sum, fmt.Errorf("snapshot %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := checkIntegrity(ctx, db, path, true); err != nil {
		return sum, err
	}
	return summarize(ctx, db, path)
}

// summarize reads the schema version and the newest result of a verified
// snapshot.
func summarize(ctx context.Context, db *sql.DB, path string) (SnapshotSummary, error) {
	var sum SnapshotSummary
	v, err := userVersion(ctx, db)
	if err != nil {
		return sum, asCorrupt(path, err)
	}
	ms, err := migrations(sqliteDialect)
	if err != nil {
		return sum, err
	}
	if v < 1 {
		return sum, fmt.Errorf("%s is not an Ampel database (it has no Ampel schema)", path)
	}
	if v > len(ms) {
		return sum, fmt.Errorf("%s has schema version %d, newer than this binary's %d: use a newer ampel", path, v, len(ms))
	}
	sum.SchemaVersion = v
	// A Store around the one connection reuses the query the server runs.
	last, _, err := (&Store{path: path, rdb: db}).LastResultAt(ctx)
	if err != nil {
		return sum, asCorrupt(path, err)
	}
	sum.LastResultAt = last
	return sum, nil
}

// openError keeps err, unless it says the file is not a sound database:
// then it wraps a *CorruptError, which callers tell apart with errors.As.
func openError(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB) {
		return fmt.Errorf("store: open: %w", &CorruptError{Path: path, Problems: []string{se.Error()}})
	}
	return err
}

// OpenReadOnly opens the database at path for reading only, without
// migrating or checking it: for tools and tests that look at the history
// of a running server. Every write through it fails.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open read-only: %w", err)
	}
	rdb, err := sql.Open("sqlite3", readerDSN(path))
	if err != nil {
		return nil, fmt.Errorf("store: open read-only %s: %w", path, err)
	}
	if err := rdb.PingContext(ctx); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("store: open read-only %s: %w", path, err)
	}
	wdb, err := sql.Open("sqlite3", readerDSN(path))
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("store: open read-only %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	return &Store{path: path, rdb: rdb, wdb: wdb}, nil
}

// IntegrityCheck runs PRAGMA integrity_check, which reads every page and
// index: slow on a large database. A damaged database gives a
// *CorruptError.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	return checkIntegrity(ctx, s.rdb, s.path, true)
}
