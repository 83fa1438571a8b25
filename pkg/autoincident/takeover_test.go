package autoincident

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// operatorPosts adds an update to an incident as a person would.
func operatorPosts(h *harness, id int64, st string) {
	h.t.Helper()
	ops := store.Actor{Kind: store.ActorUser, ID: 1, Name: "ops@example.com"}
	if _, err := h.st.EditIncident(h.ctx, id, ops, "incident.update", h.now, func(i *store.Incident) (*store.IncidentUpdate, error) {
		i.Status = st
		if st == "resolved" {
			i.Resolved = h.now
		}
		return &store.IncidentUpdate{Status: st, Body: "On it.", Author: ops.Name, At: h.now}, nil
	}); err != nil {
		h.t.Fatal(err)
	}
}

func TestOperatorTakesOver(t *testing.T) {
	h := newHarness(t)
	h.probe("api-health", status.Down, "a")
	h.want("api", Opened)
	id := h.open("api").ID
	// A note that keeps the status is enough to take the incident over.
	operatorPosts(h, id, "investigating")

	// The probes recover: the operator decides, not automation.
	h.probe("api-health", status.Up, "a")
	h.want("api", None)
	h.now = h.now.Add(time.Hour)
	h.want("api", None)
	if inc := h.open("api"); inc.Status != "investigating" || len(inc.Updates) != 2 {
		t.Errorf("automation touched the operator's incident: %+v", inc)
	}

	// Down again: still the operator's incident, no new one.
	h.probe("api-health", status.Down, "a")
	h.want("api", None)
	operatorPosts(h, id, "resolved")
	resolvedByOperator := h.now
	// The operator resolved it while the probes still fail: the
	// cool-down runs from their resolution.
	h.now = h.now.Add(time.Second)
	h.want("api", Held)
	h.now = resolvedByOperator.Add(30 * time.Minute)
	h.want("api", Opened)
}

// TestOperatorResolvesDirectly: an operator resolving an open automatic
// incident ends it for automation too.
func TestOperatorResolvesDirectly(t *testing.T) {
	h := newHarness(t)
	h.probe("api-health", status.Down, "a")
	h.want("api", Opened)
	h.probe("api-health", status.Up, "a")
	operatorPosts(h, h.open("api").ID, "resolved")
	h.now = h.now.Add(time.Hour)
	h.want("api", None)
	if list := h.incidents(); len(list) != 1 || list[0].Status != "resolved" || len(list[0].Updates) != 2 {
		t.Errorf("incidents %+v", list)
	}
}

// TestMaintenanceHoldsAutomation: failing probes during maintenance in
// progress are expected and open nothing; still failing once it is over,
// they do.
func TestMaintenanceHoldsAutomation(t *testing.T) {
	h := newHarness(t)
	ops := store.Actor{Kind: store.ActorUser, ID: 1, Name: "ops@example.com"}
	m, err := h.st.CreateMaintenance(h.ctx, store.Maintenance{Name: "API upgrade", Status: "in_progress",
		ScheduledFor: t0, ScheduledUntil: t0.Add(time.Hour), ComponentIDs: []string{"api"}},
		store.MaintenanceUpdate{Status: "in_progress", Body: "Started.", Author: ops.Name, At: t0}, ops, t0)
	if err != nil {
		t.Fatal(err)
	}
	h.probe("api-health", status.Down, "a")
	h.want("api", None)
	if n := len(h.incidents()); n != 0 {
		t.Fatalf("%d incidents during maintenance, want 0", n)
	}
	if _, err := h.st.EditMaintenance(h.ctx, m.ID, ops, "maintenance.update", h.now, func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
		m.Status = "completed"
		return &store.MaintenanceUpdate{Status: "completed", Body: "Done.", Author: ops.Name, At: h.now}, nil
	}); err != nil {
		t.Fatal(err)
	}
	h.want("api", Opened)
}
