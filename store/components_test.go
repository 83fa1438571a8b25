package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestComponentsSeen: a component's first appearance is kept across
// restarts; one with history dates from its first change; a new one from
// the start that saw it.
func TestComponentsSeen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ampel.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w := startWriter(t, s, WriterOptions{})
	w.Write(nil, []status.Change{
		{Kind: status.Component, Subject: "api", At: t0.Add(-48 * time.Hour), From: status.NoData, To: status.Up},
		{Kind: status.Component, Subject: "api", At: t0.Add(-time.Hour), From: status.Up, To: status.Down},
		{Kind: status.Check, Subject: "web", At: t0.Add(-72 * time.Hour), From: status.NoData, To: status.Up},
	})
	flush(t, w)
	got, err := s.ComponentsSeen(ctx, []string{"api", "web"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !got["api"].Equal(t0.Add(-48*time.Hour)) || !got["web"].Equal(t0) {
		t.Errorf("first start: %v", got)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart a day later, with a component added.
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	later := t0.Add(24 * time.Hour)
	got, err = s.ComponentsSeen(ctx, []string{"web", "api", "docs"}, later)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"api": t0.Add(-48 * time.Hour), "web": t0, "docs": later}
	for slug, at := range want {
		if !got[slug].Equal(at) {
			t.Errorf("after a restart, %s first seen %v, want %v", slug, got[slug], at)
		}
	}
}
