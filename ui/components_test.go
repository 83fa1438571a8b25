package ui

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestCreatedAtStable: a component's created_at is when it first
// appeared, as the store keeps it: the same after a restart, never later
// than its updated_at, and a group is as old as its oldest member.
func TestCreatedAtStable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	read := func(started time.Time) map[string]component {
		t.Helper()
		created, err := f.store.ComponentsSeen(ctx, []string{"api", "web", "docs"}, started)
		if err != nil {
			t.Fatal(err)
		}
		h := New(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Gatherer: prometheus.NewRegistry(),
			Health: func() error { return nil }, Now: func() time.Time { return started }, Started: started, Created: created})
		var body componentsBody
		if err := json.Unmarshal(get(h, "/api/v2/components.json", "192.0.2.1:1", nil).Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		out := map[string]component{}
		for _, c := range body.Components {
			out[c.ID] = c
		}
		return out
	}
	first := read(t0)
	restarted := read(t0.Add(6 * time.Hour))
	// The fixture's history begins 96 hours before t0.
	want := t0.Add(-96 * time.Hour).In(f.cfg.Location).Format(timeLayout)
	for _, id := range []string{"api", "web", "docs", "group-core"} {
		c := first[id]
		if c.CreatedAt != want {
			t.Errorf("%s: created_at %s, want its first change %s", id, c.CreatedAt, want)
		}
		if restarted[id].CreatedAt != c.CreatedAt {
			t.Errorf("%s: created_at moved with a restart: %s, then %s", id, c.CreatedAt, restarted[id].CreatedAt)
		}
		if c.CreatedAt > c.UpdatedAt { // same layout and zone: text order is time order
			t.Errorf("%s: created_at %s after updated_at %s", id, c.CreatedAt, c.UpdatedAt)
		}
	}
}
