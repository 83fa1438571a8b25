// Package store keeps Ampel's history in SQLite: raw probe results (pruned
// after a retention), every state change of every subject (kept forever),
// daily rollups of the exact time each subject spent in each level, and
// hourly latency aggregates.
//
// All writes go through one writer connection: the batch Writer, and the
// maintenance calls PruneResults and BuildRollups, which take turns on it.
// Queries use a separate read-only pool, so readers never wait for the
// writer (WAL mode). Instants are stored as Unix milliseconds UTC and
// durations as microseconds; values read back are truncated to those units.
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
	"sync"
	"time"

	// The driver registers itself as "sqlite3".
	_ "github.com/mattn/go-sqlite3"
)

// Store is an open history database. Its methods are safe for concurrent use.
type Store struct {
	path string
	// wdb has exactly one connection: every write, in turn.
	wdb *sql.DB
	// rdb is the read-only pool for queries.
	rdb *sql.DB

	mu     sync.Mutex // guards writer
	writer *Writer

	// outbox wakes the mail dispatcher (see OutboxWake).
	outbox outboxSignal
}

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
	if err := migrate(ctx, s.wdb); err != nil {
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

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database. Close the Writer first: a Writer still running
// gets a few seconds to commit what it has queued, and its error is
// returned.
func (s *Store) Close() error {
	s.mu.Lock()
	w := s.writer
	s.mu.Unlock()
	var errs []error
	if w != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := w.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if s.rdb != nil {
		if err := s.rdb.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close readers: %w", err))
		}
	}
	if err := s.wdb.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close writer: %w", err))
	}
	return errors.Join(errs...)
}
