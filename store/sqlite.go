package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/mattn/go-sqlite3"
)

// Open opens the database at path, creating its folder and file when
// missing, and brings its schema up to date. It refuses a database whose
// schema is newer than this binary's, and one that PRAGMA quick_check
// finds damaged (the error wraps a *CorruptError).
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("store: open: create folder: %w", err)
	}
	// Create the file ourselves so it (and the -wal and -shm files, which
	// SQLite gives the same mode) is not world-readable: results carry
	// internal targets and errors.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}

	s := &Store{path: abs}
	s.wdb, err = sql.Open("sqlite3", writerDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	// One connection, kept for the life of the Store: it serialises all
	// writes, and keeps the WAL and its index open for the readers.
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	if err := s.checkWAL(ctx); err != nil {
		s.wdb.Close()
		return nil, openError(abs, err)
	}
	// Refuse damaged history before anything writes to it (see
	// docs/performance.md for what the check costs).
	if err := checkIntegrity(ctx, s.wdb, abs, false); err != nil {
		s.wdb.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := migrate(ctx, s.wdb, sqliteDialect); err != nil {
		s.wdb.Close()
		return nil, err
	}

	s.rdb, err = sql.Open("sqlite3", readerDSN(abs))
	if err != nil {
		s.wdb.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.rdb.SetMaxOpenConns(n)
	s.rdb.SetMaxIdleConns(n)
	if err := s.rdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	return s, nil
}

// writerDSN sets every pragma in the DSN so a reopened connection has them
// too. synchronous must come from the DSN: the driver lowers it to NORMAL
// when it turns WAL on. The larger page cache keeps the newest page of
// each check's results in memory.
func writerDSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	q.Set("_cache_size", "-32000")
	return fileURI(path, q)
}

// readerDSN opens read-only connections; the journal mode is the writer's.
func readerDSN(path string) string {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	return fileURI(path, q)
}

// fileURI builds an SQLite URI filename, escaping characters such as '?'
// and '#' in the path. SQLite ignores the driver's underscore parameters.
func fileURI(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// checkWAL opens the writer connection and verifies that the file system
// let SQLite switch to WAL, which the read-only pool depends on.
func (s *Store) checkWAL(ctx context.Context) error {
	var mode string
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("store: open %s: journal mode is %q, want wal", s.path, mode)
	}
	return nil
}

// sqliteUnique reports whether err is SQLite's unique constraint failure.
func sqliteUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// uniqueViolation reports whether err is a unique constraint failure, on
// either database.
func uniqueViolation(err error) bool { return sqliteUnique(err) || pgUnique(err) }
