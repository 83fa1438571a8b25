package store

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestRestoreRenewsInstallID: a restored database rewinds event and
// subscriber ids, so it gets a new install id (the random part of every
// Message-ID), kept from then on; the snapshot itself is left as it was.
func TestRestoreRenewsInstallID(t *testing.T) {
	ctx := context.Background()
	installID := func(path string) string {
		t.Helper()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		id, err := s.InstallID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
			t.Fatalf("install id %q", id)
		}
		return id
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "ampel.db")
	before := installID(db)
	snap := filepath.Join(t.TempDir(), "snap.db")
	if _, err := Snapshot(ctx, db, snap); err != nil {
		t.Fatal(err)
	}
	snapBytes, _ := os.ReadFile(snap)

	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, l, snap, time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	l.Release()
	after := installID(db)
	if after == before {
		t.Fatalf("the restored database kept install id %s: its mails would repeat Message-IDs sent before the restore", before)
	}
	if again := installID(db); again != after {
		t.Fatalf("install id %s changed to %s without a restore", after, again)
	}
	if b, _ := os.ReadFile(snap); string(b) != string(snapBytes) {
		t.Fatal("the snapshot changed")
	}
	noTemps(t, dir)
	for _, f := range []string{db + "-journal", filepath.Join(dir, ".ampel.db.restore"+TempSuffix+"-wal")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
}
