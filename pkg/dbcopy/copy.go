// Package dbcopy moves a history from one store into another, empty one
// (SQLite into PostgreSQL for ampel migrate-db): every table in chunks,
// then a verification that both sides hold the same rows and give the
// same availability figures.
package dbcopy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// DefaultChunk is how many rows one transaction of the copy writes.
const DefaultChunk = 5000

// Progress is where a copy stands, reported after each chunk.
type Progress struct {
	Table       string
	Done, Total int64
	// Elapsed is the time spent on this table so far.
	Elapsed time.Duration
}

// Rate is the table's rows per second so far.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// Options tune Copy.
type Options struct {
	// Chunk is the rows per transaction (default DefaultChunk).
	Chunk int
	// Progress, when set, is called after every chunk of every table.
	Progress func(Progress)
}

// Summary is what a finished copy did.
type Summary struct {
	Tables int
	Rows   int64
	Took   time.Duration
}

// Rate is the copy's rows per second.
func (s Summary) Rate() float64 {
	if s.Took <= 0 {
		return 0
	}
	return float64(s.Rows) / s.Took.Seconds()
}

// NotEmptyError is Copy's refusal of a destination that holds rows: a
// history of its own, or the partial copy of an interrupted run.
type NotEmptyError struct {
	// Rows counts the rows of each table that has any.
	Rows map[string]int64
}

func (e *NotEmptyError) Error() string {
	var parts []string
	for _, t := range store.Tables() {
		if n := e.Rows[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d rows", t, n))
		}
	}
	return "the destination database is not empty (" + strings.Join(parts, ", ") + ")"
}

// Copy copies every row of every table of src into dst, which must hold
// none, in chunks of one transaction each, parents before the tables
// that refer to them, then moves dst's id sequences past the copied ids.
//
// A copy that stops part way (an error, Ctrl-C, a crash) leaves dst with
// part of the history. It is not resumed: the next Copy refuses dst as
// not empty, and the operator starts again with an empty database. That
// keeps one rule (an empty destination) instead of a resume that must
// trust rows written by a run that died.
func Copy(ctx context.Context, dst, src *store.Store, opts Options) (Summary, error) {
	if opts.Chunk <= 0 {
		opts.Chunk = DefaultChunk
	}
	began := time.Now()
	if err := checkEmpty(ctx, dst); err != nil {
		return Summary{}, err
	}
	var sum Summary
	for _, table := range store.Tables() {
		total, err := src.CountRows(ctx, table)
		if err != nil {
			return sum, err
		}
		start := time.Now()
		p := Progress{Table: table, Total: total}
		report := func(done int64) {
			p.Done, p.Elapsed = done, time.Since(start)
			if opts.Progress != nil {
				opts.Progress(p)
			}
		}
		n, err := store.CopyTable(ctx, dst, src, table, opts.Chunk, report)
		sum.Rows += n
		if err != nil {
			return sum, fmt.Errorf("copy %s after %d of %d rows: %w", table, n, total, err)
		}
		if n == 0 {
			report(0)
		}
		sum.Tables++
	}
	if err := dst.ResetSequences(ctx); err != nil {
		return sum, err
	}
	sum.Took = time.Since(began)
	return sum, nil
}

// checkEmpty refuses a destination with any row in any table.
func checkEmpty(ctx context.Context, dst *store.Store) error {
	rows := map[string]int64{}
	for _, t := range store.Tables() {
		n, err := dst.CountRows(ctx, t)
		if err != nil {
			return err
		}
		if n > 0 {
			rows[t] = n
		}
	}
	if len(rows) > 0 {
		return &NotEmptyError{Rows: rows}
	}
	return nil
}

// IsNotEmpty reports whether err is Copy's refusal of a destination that
// holds rows.
func IsNotEmpty(err error) bool {
	var ne *NotEmptyError
	return errors.As(err, &ne)
}
