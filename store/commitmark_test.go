package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommitMarkTellsFoldedFromLost: a crash image of a tracked database
// (its file, -wal and lock as a SIGKILL leaves them) passes CheckFiles
// with its -wal, and after another program folded the -wal in and removed
// it; without the -wal it is refused as lost.
func TestCommitMarkTellsFoldedFromLost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "ampel.db")
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mark(StateRunning, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.TrackCommits(ctx, l); err != nil {
		t.Fatal(err)
	}
	w := s.StartWriter(WriterOptions{})
	for i := range 3 {
		w.Write(newFleet().results(5+i), nil)
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateToken(ctx, Token{Kind: TokenOperator, Role: "admin", Name: "t"}, "secret-token-value", t0); err != nil {
		t.Fatal(err)
	}
	line, _ := os.ReadFile(LockPath(db))
	if !strings.Contains(string(line), "running pid=") || !strings.Contains(string(line), " commit=00000000000000000004\n") {
		t.Fatalf("lock line %q, want the running state with the fourth commit", line)
	}
	// The crash image, taken while the server is idle between commits.
	image := func(t *testing.T) string {
		t.Helper()
		to := filepath.Join(t.TempDir(), "ampel.db")
		for _, suffix := range []string{"", "-wal", ".lock"} {
			b, err := os.ReadFile(db + suffix)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return to
	}
	check := func(t *testing.T, path string) error {
		t.Helper()
		l, err := AcquireLock(path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		return l.CheckFiles()
	}
	t.Run("with its wal", func(t *testing.T) {
		if err := check(t, image(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wal folded in by another program", func(t *testing.T) {
		path := image(t)
		other, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		var ok string
		if err := other.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
			t.Fatalf("integrity_check: %q %v", ok, err)
		}
		other.Close()
		if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the other program left the -wal: %v", err)
		}
		if err := check(t, path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wal lost", func(t *testing.T) {
		path := image(t)
		os.Remove(path + "-wal")
		if err := check(t, path); err == nil || !strings.Contains(err.Error(), "write-ahead log") {
			t.Fatalf("CheckFiles: %v, want the data-loss error", err)
		}
	})

	// A clean stop records no mark; the next run continues from the
	// database's own.
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Mark(StateStopped, ""); err != nil {
		t.Fatal(err)
	}
	if line, _ := os.ReadFile(LockPath(db)); strings.Contains(string(line), "commit=") {
		t.Fatalf("stopped lock line %q still carries a commit mark", line)
	}
	l.Release()
	if n, err := commitMarkOf(ctx, db); err != nil || n != 4 {
		t.Fatalf("commit mark after a clean stop: %d %v, want 4", n, err)
	}
}
