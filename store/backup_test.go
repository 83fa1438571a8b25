package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// filledStore opens a store and commits n results to it.
func filledStore(t testing.TB, n int) *Store {
	t.Helper()
	s := openTest(t)
	w := s.StartWriter(WriterOptions{})
	w.Write(newFleet().results(n), nil)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// noTemps fails when a temporary snapshot file is left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if IsTemp(e.Name()) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestSnapshotWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := filledStore(t, 20_000)
	w := s.StartWriter(WriterOptions{})
	// Keep committing while the snapshot runs: it must neither block the
	// writer nor see half a batch.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f := newFleet()
		f.next = f.next.Add(24 * time.Hour)
		for {
			select {
			case <-stop:
				return
			default:
				w.Write(f.results(100), nil)
				w.Flush(ctx)
			}
		}
	}()
	dir := t.TempDir()
	dst := filepath.Join(dir, "snap.db")
	info, err := Snapshot(ctx, s.Path(), dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil || fi.Size() != info.Size || info.Size == 0 {
		t.Fatalf("snapshot file %v, size %d: %v", fi, info.Size, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v, want 0600", fi.Mode().Perm())
	}
	if info.SchemaVersion != schemaVersion() || info.LastResultAt.IsZero() {
		t.Errorf("summary %+v", info.SnapshotSummary)
	}
	noTemps(t, dir)

	snap, err := Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	n, err := snap.CountResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Whole batches of 100 on top of the first 20,000, never part of one.
	if n < 20_000 || n%100 != 0 {
		t.Errorf("snapshot holds %d results, want 20,000 plus whole batches of 100", n)
	}
}

func TestSnapshotRefusals(t *testing.T) {
	ctx := context.Background()
	s := filledStore(t, 10)
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.db")
	os.WriteFile(existing, []byte("keep me"), 0o600)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	cases := []struct {
		name     string
		ctx      context.Context
		src, dst string
		want     string
	}{
		{"onto the database", ctx, s.Path(), s.Path(), "database's own file"},
		{"onto its wal", ctx, s.Path(), s.Path() + "-wal", "database's own file"},
		{"existing file", ctx, s.Path(), existing, "already exists"},
		{"missing database", ctx, filepath.Join(dir, "nope.db"), filepath.Join(dir, "a.db"), "no such file"},
		{"missing folder", ctx, s.Path(), filepath.Join(dir, "no", "a.db"), "no such file"},
		{"cancelled", cancelled, s.Path(), filepath.Join(dir, "b.db"), "context canceled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Snapshot(c.ctx, c.src, c.dst)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
			noTemps(t, dir)
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("existing file changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled snapshot left a file: %v", err)
	}
}
