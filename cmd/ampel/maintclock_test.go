package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestMoveMaintenanceReloadsOverlayAndPages: a clock move shows on the
// components at once and marks the cached pages stale; a tick that moves
// nothing touches neither.
func TestMoveMaintenanceReloadsOverlayAndPages(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := st.StartWriter(store.WriterOptions{})
	defer w.Close(ctx)
	cfg := overlayConfig()
	engine := state.New(cfg)
	feed, observe := liveFeed(engine, func(status.Result, []status.Change) {})
	in := ingest.New(engine, w, observe)
	now := overlayT0
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: now, Outcome: status.Up})
	apply := overlayer(st, in.Override, slog.New(slog.DiscardHandler), func() time.Time { return now })
	logger := slog.New(slog.DiscardHandler)

	if _, err := st.CreateMaintenance(ctx, store.Maintenance{Name: "API upgrade", Status: "scheduled",
		ScheduledFor: now.Add(time.Minute), ScheduledUntil: now.Add(time.Hour), ComponentIDs: []string{"api"},
		AutoStart: true, AutoComplete: true},
		store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", Author: "ops", At: now}, store.Actor{Kind: store.ActorCLI, Name: "test"}, now); err != nil {
		t.Fatal(err)
	}
	// A window on no component changes no component: only the notices
	// on the pages, which must be rebuilt all the same.
	if _, err := st.CreateMaintenance(ctx, store.Maintenance{Name: "Office move", Status: "scheduled",
		ScheduledFor: now, ScheduledUntil: now.Add(time.Hour), AutoStart: true},
		store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", Author: "ops", At: now}, store.Actor{Kind: store.ActorCLI, Name: "test"}, now); err != nil {
		t.Fatal(err)
	}
	rev := feed.Revision()
	moveMaintenance(ctx, st, refresher(apply, feed), logger, now)
	if feed.Revision() != rev+1 {
		t.Errorf("page revision %d after a move that changed no component, want %d", feed.Revision(), rev+1)
	}
	rev = feed.Revision()
	moveMaintenance(ctx, st, refresher(apply, feed), logger, now)
	if feed.Revision() != rev {
		t.Errorf("a tick that moved nothing changed the page revision")
	}

	now = now.Add(time.Minute)
	moveMaintenance(ctx, st, refresher(apply, feed), logger, now)
	if c, _ := engine.Component("api"); c.Level != status.Maintenance || c.Source != state.SourceMaintenance {
		t.Errorf("api shows %s from %s, want under maintenance", c.Level, c.Source)
	}
	if feed.Revision() <= rev {
		t.Errorf("page revision %d, want above %d after a move", feed.Revision(), rev)
	}

	now = now.Add(time.Hour)
	moveMaintenance(ctx, st, refresher(apply, feed), logger, now)
	if c, _ := engine.Component("api"); c.Level != status.Up || c.Source != state.SourceProbe {
		t.Errorf("after completion api shows %s from %s, want up from the probes", c.Level, c.Source)
	}
}
