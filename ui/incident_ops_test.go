package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestIncidentOpsHooks checks the after-change hooks: every committed
// operation runs OnIncidentChange and then marks the pages stale (in that
// order, so a page built in between is not cached as current), with a
// context that outlives the request; a refused one runs neither.
func TestIncidentOpsHooks(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var calls []string
	cfg := testConfig(t)
	d := Deps{Config: cfg, Store: st, Now: func() time.Time { return t0 },
		OnIncidentChange: func(ctx context.Context) {
			if ctx.Err() != nil {
				t.Error("the hook got a cancelled context")
			}
			calls = append(calls, "overlay")
		}}
	o := newIncidentOps(d, func() { calls = append(calls, "edited") })
	act := store.Actor{Kind: store.ActorUser, ID: 1, Name: "op@example.com"}
	reqCtx, cancel := context.WithCancel(ctx)

	inc, err := o.openIncident(reqCtx, act, incidentChange{Name: ptr("Outage"), Components: map[string]string{"api": "major_outage"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(calls, " "); got != "overlay edited" {
		t.Fatalf("hooks %q", got)
	}
	cancel()
	calls = nil
	// A refused change: no hooks, nothing written.
	if _, err := o.postIncidentUpdate(ctx, act, inc.ID, incidentChange{Body: ptr("x"), Status: ptr("fixed")}); err == nil {
		t.Fatal("unknown status accepted")
	}
	if _, err := o.publishPostmortem(ctx, act, inc.ID, "too early"); err == nil {
		t.Fatal("postmortem on an open incident accepted")
	}
	if _, err := o.createMaintenance(ctx, act, maintenanceChange{Name: ptr("m")}); err == nil {
		t.Fatal("window without times accepted")
	}
	if len(calls) != 0 {
		t.Fatalf("refused changes ran hooks: %q", calls)
	}
	from, until := t0.Add(time.Hour), t0.Add(2*time.Hour)
	m, err := o.createMaintenance(ctx, act, maintenanceChange{Name: ptr("m"), ScheduledFor: &from, ScheduledUntil: &until})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.postMaintenanceUpdate(ctx, act, m.ID, maintenanceChange{Status: ptr("in_progress"), Body: ptr("go")}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.postIncidentUpdate(ctx, act, inc.ID, incidentChange{Status: ptr("resolved"), Body: ptr("ok")}); err != nil {
		t.Fatal(err)
	}
	inc, err = o.publishPostmortem(ctx, act, inc.ID, "It broke.")
	if err != nil || inc.Postmortem != "It broke." || !inc.PostmortemAt.Equal(t0) {
		t.Fatalf("postmortem %+v %v", inc, err)
	}
	if got := strings.Join(calls, " "); got != strings.Repeat("overlay edited ", 4)[:len("overlay edited ")*4-1] {
		t.Fatalf("hooks %q", got)
	}
	log, err := st.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if want := "incident.create maintenance.create maintenance.update incident.update incident.postmortem"; strings.Join(actions, " ") != want {
		t.Fatalf("audit %q, want %q", actions, want)
	}
}
