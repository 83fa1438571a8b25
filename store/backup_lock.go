package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// What a lock file says about the last process that held it.
const (
	// StateNone: no lock file, or an empty one (a first start).
	StateNone = ""
	// StateRunning: a server had the database open; if it is still the
	// state at the next start, that server did not stop cleanly.
	StateRunning = "running"
	// StateStopped: the server closed the database cleanly.
	StateStopped = "stopped"
	// StateRestoring: a restore was swapping files; if it is still the
	// state, the restore was interrupted.
	StateRestoring = "restoring"
)

// ErrLocked is returned by Lock when another process holds the database.
var ErrLocked = errors.New("database is in use")

// Lock is an exclusive hold on a database (flock on "<db>.lock"). ampel
// serve holds it for its lifetime; restore takes it so that it never swaps
// the files of a running server. The file also records the holder's last
// state, which tells an unclean stop from a clean one.
type Lock struct {
	// DB is the database path the lock guards.
	DB   string
	f    *os.File
	prev string

	mu sync.Mutex // guards line and commit
	// line is the running state's line, which noteCommit extends with
	// commit, the highest commit mark recorded (see TrackCommits).
	line   string
	commit int64
}

// LockPath is the lock file of the database at db.
func LockPath(db string) string { return db + ".lock" }

// AcquireLock takes the lock of the database at db without waiting. When
// another process holds it, the error wraps ErrLocked and says what that
// process wrote (its pid).
func AcquireLock(db string) (*Lock, error) {
	f, err := os.OpenFile(LockPath(db), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", db, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := readState(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s (%s): %w", db, strings.TrimSpace(holder), ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", db, err)
	}
	return &Lock{DB: db, f: f, prev: readState(f)}, nil
}

func readState(f *os.File) string {
	b := make([]byte, 512)
	n, _ := f.ReadAt(b, 0)
	return string(b[:n])
}

// Previous is the state the last holder left: one of the State constants.
func (l *Lock) Previous() string {
	state, _, _ := strings.Cut(strings.TrimSpace(l.prev), " ")
	return state
}

// PreviousLine is the whole line the last holder left, for messages.
func (l *Lock) PreviousLine() string { return strings.TrimSpace(l.prev) }

// Mark records state (with this pid, the time and a note) durably.
func (l *Lock) Mark(state, note string) error {
	line := fmt.Sprintf("%s pid=%d at=%s", state, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	if note != "" {
		line += " " + note
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.line, l.commit = "", 0
	if state == StateRunning {
		l.line = line
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("lock %s: %w", l.DB, err)
	}
	if _, err := l.f.WriteAt([]byte(line+"\n"), 0); err != nil {
		return fmt.Errorf("lock %s: %w", l.DB, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("lock %s: %w", l.DB, err)
	}
	return nil
}

// Release lets another process take the lock. The file stays: removing
// it would let two processes lock different files of the same name.
func (l *Lock) Release() error { return l.f.Close() }

// CheckFiles looks at the database's files for what SQLite cannot see on
// its own, and returns a descriptive error for:
//   - an interrupted restore;
//   - a server that did not stop cleanly (state "running") whose -wal file
//     is gone while the database lacks the server's last recorded commit:
//     the transactions committed since the last checkpoint lived only
//     there, so they are lost, and SQLite would open the rest without a
//     word (a -wal another program folded in after the crash is fine);
//   - a database file that is missing while a server used it before (or a
//     -wal file without its database): a lost or unmounted data folder
//     would otherwise silently start an empty history.
func (l *Lock) CheckFiles() error {
	dbExists, err := exists(l.DB)
	if err != nil {
		return err
	}
	walExists, err := exists(l.DB + "-wal")
	if err != nil {
		return err
	}
	switch prev := l.Previous(); {
	case prev == StateRestoring:
		return fmt.Errorf("a restore into %s was interrupted (%s); run ampel restore again", l.DB, l.PreviousLine())
	case !dbExists && (walExists || prev != StateNone):
		return fmt.Errorf("database %s is missing, but a server used it before (%s): the history is not where it was", l.DB, l.PreviousLine())
	case dbExists && prev == StateRunning && !walExists:
		// Any program that opened the database after the crash and
		// closed it cleanly folded the log in and removed it; then the
		// file holds the last commit the server recorded.
		if l.walFolded(context.Background()) {
			return nil
		}
		return fmt.Errorf("database %s: the last server did not stop cleanly (%s) and its write-ahead log %s-wal is missing: results committed since its last checkpoint are lost", l.DB, l.PreviousLine(), l.DB)
	}
	return nil
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}
