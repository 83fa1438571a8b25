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
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Store is an open history database. Its methods are safe for concurrent use.
type Store struct {
	// d is the database's SQL dialect.
	d dialect
	// path is the SQLite file; "" on PostgreSQL.
	path string
	// wdb has exactly one connection: every write, in turn.
	wdb *sql.DB
	// rdb is the read-only pool for queries.
	rdb *sql.DB
	// pgcfg is how to open a connection of one's own (Listen); nil on
	// SQLite.
	pgcfg *pgx.ConnConfig
	// ldb is the lease's own connection on PostgreSQL; nil on SQLite,
	// where the lease (never used there) takes the writer's.
	ldb *sql.DB

	mu     sync.Mutex // guards writer
	writer *Writer

	// outbox wakes the mail dispatcher (see OutboxWake).
	outbox outboxSignal
	// alerts wakes the alert dispatcher (see AlertWake).
	alerts outboxSignal
	// hooks wakes the hook subscribers' dispatcher (see HookWake).
	hooks outboxSignal
	// marks is the lock commits are recorded in, nil when they are not
	// tracked (see TrackCommits).
	marks atomic.Pointer[Lock]
}

// Path returns the absolute path of the SQLite database file; "" on
// PostgreSQL.
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
	if s.ldb != nil {
		if err := s.ldb.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close lease connection: %w", err))
		}
	}
	if err := s.wdb.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close writer: %w", err))
	}
	return errors.Join(errs...)
}
