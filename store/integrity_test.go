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

// realCopy returns a closed, checkpointed copy of a real database with
// history in a fresh folder.
func realCopy(t *testing.T) string {
	t.Helper()
	s := filledStore(t, 20_000)
	dst := filepath.Join(t.TempDir(), "copy.db")
	if _, err := Snapshot(context.Background(), s.Path(), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// pageSize reads the page size from the database header.
func pageSize(t *testing.T, b []byte) int {
	t.Helper()
	n := int(b[16])<<8 | int(b[17])
	if n == 1 {
		n = 65536
	}
	if n < 512 {
		t.Fatalf("bad page size %d", n)
	}
	return n
}

func TestOpenRefusesDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, b []byte) []byte
	}{
		{"truncated to half", func(t *testing.T, b []byte) []byte { return b[:len(b)/2] }},
		{"truncated mid-page", func(t *testing.T, b []byte) []byte { return b[:len(b)-pageSize(t, b)-100] }},
		{"flipped bytes in a b-tree page header", func(t *testing.T, b []byte) []byte {
			p := pageSize(t, b)
			for _, page := range []int{4, 7} {
				off := (page - 1) * p
				for i := off + 1; i < off+8; i++ {
					b[i] ^= 0xA5
				}
			}
			return b
		}},
		{"garbage header", func(t *testing.T, b []byte) []byte {
			copy(b, "this is not an sqlite file at all")
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := realCopy(t)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(t, b), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a damaged database")
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != path || len(ce.Problems) == 0 {
				t.Fatalf("err %v, want a *CorruptError naming %s", err, path)
			}
			if _, err := VerifySnapshot(context.Background(), path); !errors.As(err, &ce) {
				t.Errorf("VerifySnapshot: %v, want a *CorruptError", err)
			}
		})
	}
}

func TestOpenAcceptsSoundCopy(t *testing.T) {
	path := realCopy(t)
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.CountResults(context.Background()); err != nil || n != 20_000 {
		t.Fatalf("count %d, %v", n, err)
	}
}

func TestVerifySnapshotRefusesNonAmpel(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	for _, c := range []struct{ path, want string }{
		{empty, "not an Ampel database"},
		{filepath.Join(dir, "missing.db"), "no such file"},
		{dir, "not a regular file"},
	} {
		if _, err := VerifySnapshot(context.Background(), c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.path, err, c.want)
		}
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	s := filledStore(t, 100)
	ro, err := OpenReadOnly(ctx, s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if n, err := ro.CountResults(ctx); err != nil || n != 100 {
		t.Errorf("count %d, %v", n, err)
	}
	if err := ro.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	if _, err := ro.PruneResults(ctx, time.Now()); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("a write through a read-only store: %v", err)
	}
	if _, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("opened a missing file")
	}
}
