package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// metaCommitMark counts the write transactions of servers that track
// their commits (see TrackCommits). The lock file holds the mark of the
// server's last commit, so after a crash a database without its -wal
// tells whether the log was folded into it (any program that opened the
// database after the crash and closed it cleanly: ampel token create, the
// sqlite3 shell) or lost.
const metaCommitMark = "commit_mark"

// TrackCommits makes every later write transaction through writeTx and the
// batch writer advance the database's commit mark, and records each
// committed mark in l, the lock ampel serve holds. Call it once, before
// the writer starts.
func (s *Store) TrackCommits(ctx context.Context, l *Lock) error {
	n, _, err := metaInt(ctx, s.wdb, metaCommitMark)
	if err != nil {
		return fmt.Errorf("store: track commits: %w", err)
	}
	if err := l.noteCommit(n); err != nil {
		return fmt.Errorf("store: track commits: %w", err)
	}
	s.marks.Store(l)
	return nil
}

// bumpCommitMark advances the commit mark in tx when commits are tracked;
// after tx commits, pass the mark to noteCommit. 0 when not tracking.
func (s *Store) bumpCommitMark(ctx context.Context, tx *sql.Tx) (int64, error) {
	if s.marks.Load() == nil {
		return 0, nil
	}
	const q = `
INSERT INTO meta (key, value) VALUES (?1, 1)
ON CONFLICT (key) DO UPDATE SET value = value + 1
RETURNING value`
	var n int64
	if err := tx.QueryRowContext(ctx, q, metaCommitMark).Scan(&n); err != nil {
		return 0, fmt.Errorf("advance %s: %w", metaCommitMark, err)
	}
	return n, nil
}

// noteCommit records the mark of a committed transaction in the lock.
// Failing to write the lock file costs only the precision of the check
// at the next start, never the commit: it is not an error of the write.
func (s *Store) noteCommit(n int64) {
	if l := s.marks.Load(); l != nil && n > 0 {
		_ = l.noteCommit(n)
	}
}

// commitMarkOf reads the commit mark stored in the database file at path
// itself, ignoring any -wal (immutable): what the file holds after a
// crash whose log is gone.
func commitMarkOf(ctx context.Context, path string) (int64, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	db, err := sql.Open("sqlite3", fileURI(path, q))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, _, err := metaInt(ctx, db, metaCommitMark)
	return n, err
}

// commitField is how the lock line carries the last commit mark, fixed
// width so each commit rewrites the line in place.
const commitField = " commit="

// noteCommit writes n into the lock's line when it is the highest seen.
// No fsync: the line must survive the death of the process, which the page
// cache does; a machine's crash leaves the -wal in place, and the check
// needs the line only when the -wal is gone.
func (l *Lock) noteCommit(n int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < l.commit || l.line == "" {
		return nil
	}
	l.commit = n
	line := fmt.Sprintf("%s%s%020d\n", l.line, commitField, n)
	if _, err := l.f.WriteAt([]byte(line), 0); err != nil {
		return fmt.Errorf("lock %s: %w", l.DB, err)
	}
	return nil
}

// previousCommit is the last commit mark the previous holder recorded.
func (l *Lock) previousCommit() (int64, bool) {
	_, v, ok := strings.Cut(strings.TrimSpace(l.prev), commitField)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// walFolded reports whether the database file holds every commit the last
// server recorded, so its missing -wal was folded in, not lost. A file it
// cannot read the mark from (one whose whole history, schema included,
// was in the log) holds nothing the server committed.
func (l *Lock) walFolded(ctx context.Context) bool {
	want, ok := l.previousCommit()
	if !ok {
		return false // a server that did not track its commits
	}
	have, err := commitMarkOf(ctx, l.DB)
	return err == nil && have >= want
}
