package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockIsExclusive(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ampel.db")
	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	if l.Previous() != StateNone {
		t.Errorf("first lock: previous %q", l.Previous())
	}
	if err := l.Mark(StateRunning, ""); err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file: a second open, even in this
	// process, is refused, as another process would be.
	_, err = AcquireLock(db)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "running pid=") {
		t.Fatalf("second lock: %v, want ErrLocked naming the holder", err)
	}
	l.Release()
	l2, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Release()
	if l2.Previous() != StateRunning {
		t.Errorf("previous %q, want running", l2.Previous())
	}
}

func TestLockCheckFiles(t *testing.T) {
	cases := []struct {
		name      string
		prev      string
		db, wal   bool
		wantError string
	}{
		{"first start", StateNone, false, false, ""},
		{"clean stop", StateStopped, true, false, ""},
		{"crash with its wal", StateRunning, true, true, ""},
		{"crash without its wal", StateRunning, true, false, "write-ahead log"},
		{"database gone", StateStopped, false, false, "is missing"},
		{"only a wal", StateNone, false, true, "is missing"},
		{"interrupted restore", StateRestoring, true, false, "restore"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "ampel.db")
			if c.prev != StateNone {
				os.WriteFile(LockPath(db), []byte(c.prev+" pid=1 at=2026-01-01T00:00:00Z\n"), 0o600)
			}
			if c.db {
				os.WriteFile(db, nil, 0o600)
			}
			if c.wal {
				os.WriteFile(db+"-wal", nil, 0o600)
			}
			l, err := AcquireLock(db)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			err = l.CheckFiles()
			if c.wantError == "" && err != nil || c.wantError != "" && (err == nil || !strings.Contains(err.Error(), c.wantError)) {
				t.Fatalf("CheckFiles: %v, want %q", err, c.wantError)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	snap := realCopy(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "ampel.db")
	// The database being replaced has other history, and a -wal.
	old, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	w := old.StartWriter(WriterOptions{})
	w.Write(newFleet().results(7), nil)
	w.Flush(ctx)
	w.Close(ctx)
	old.Close()
	// As a crash would leave them.
	os.WriteFile(db+"-wal", []byte("old wal"), 0o600)
	os.WriteFile(db+"-shm", []byte("old shm"), 0o600)

	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	info, err := Restore(ctx, l, snap, now)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	aside := db + ".replaced-20261123T010203Z"
	if info.KeptAside != aside || info.SchemaVersion != schemaVersion() || info.LastResultAt.IsZero() {
		t.Errorf("info %+v", info)
	}
	if b, _ := os.ReadFile(aside + "-wal"); string(b) != "old wal" {
		t.Errorf("old wal not kept with the old database: %q", b)
	}
	for _, f := range []string{db + "-wal", db + "-shm"} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still next to the restored database: %v", f, err)
		}
	}
	noTemps(t, dir)
	l, _ = AcquireLock(db)
	if l.Previous() != StateStopped || l.CheckFiles() != nil {
		t.Errorf("after restore the lock says %q, CheckFiles %v", l.PreviousLine(), l.CheckFiles())
	}
	l.Release()
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.CountResults(ctx); n != 20_000 {
		t.Errorf("restored database holds %d results, want the snapshot's 20,000", n)
	}
}

func TestRestoreRefusesDamagedSnapshot(t *testing.T) {
	ctx := context.Background()
	snap := realCopy(t)
	b, _ := os.ReadFile(snap)
	os.WriteFile(snap, b[:len(b)/2], 0o600)
	dir := t.TempDir()
	db := filepath.Join(dir, "ampel.db")
	os.WriteFile(db, []byte("current"), 0o600)
	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := Restore(ctx, l, snap, time.Now()); !errors.As(err, &ce) {
		t.Fatalf("Restore: %v, want a *CorruptError", err)
	}
	l.Release()
	if b, _ := os.ReadFile(db); string(b) != "current" {
		t.Errorf("database changed: %q", b)
	}
	l, _ = AcquireLock(db)
	defer l.Release()
	if l.Previous() == StateRestoring {
		t.Errorf("a refused restore left the lock in state %q", l.PreviousLine())
	}
	noTemps(t, dir)
}
