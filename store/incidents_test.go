package store

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

var tokenActor = Actor{Kind: ActorToken, ID: 7, Name: "deploy-bot"}

func TestIncidentCreateEditListAudit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	comps := map[string]string{"api": "major_outage", "web": "degraded_performance"}
	inc, err := s.CreateIncident(ctx, Incident{Name: "API errors", Status: "investigating", Impact: "critical",
		Components: comps, Started: t0.Add(-time.Hour)},
		IncidentUpdate{Status: "investigating", Body: "Looking **into** it", Components: comps, DeliverNotifications: true,
			Author: "deploy-bot", At: t0.Add(-time.Hour)}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if inc.ID == 0 || inc.Name != "API errors" || inc.Impact != "critical" || !maps.Equal(inc.Components, comps) ||
		!inc.Started.Equal(t0.Add(-time.Hour)) || !inc.Created.Equal(t0) || !inc.Resolved.IsZero() || len(inc.Updates) != 1 {
		t.Fatalf("created %+v", inc)
	}
	if u := inc.Updates[0]; u.ID == 0 || u.Body != "Looking **into** it" || !u.DeliverNotifications || !u.At.Equal(t0.Add(-time.Hour)) ||
		!u.Created.Equal(t0) || !maps.Equal(u.Components, comps) {
		t.Fatalf("first update %+v", u)
	}

	// An update that resolves it and clears the component statuses.
	t1 := t0.Add(30 * time.Minute)
	got, err := s.EditIncident(ctx, inc.ID, tokenActor, "incident.update", t1, func(i *Incident) (*IncidentUpdate, error) {
		if len(i.Updates) != 0 || i.Status != "investigating" {
			t.Errorf("edit sees %+v", i)
		}
		i.Status, i.Resolved, i.Impact = "resolved", t1, "none"
		i.Components = map[string]string{"api": "operational"}
		return &IncidentUpdate{Status: "resolved", Body: "Fixed.", Components: map[string]string{"api": "operational"}, Author: "deploy-bot", At: t1}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "resolved" || !got.Resolved.Equal(t1) || !got.Updated.Equal(t1) || len(got.Updates) != 2 ||
		!maps.Equal(got.Components, map[string]string{"api": "operational"}) || got.Updates[1].Body != "Fixed." {
		t.Fatalf("after edit %+v", got)
	}

	// A failing edit changes nothing and writes no audit entry.
	boom := errors.New("rule broken")
	if _, err := s.EditIncident(ctx, inc.ID, tokenActor, "incident.patch", t1, func(i *Incident) (*IncidentUpdate, error) {
		i.Name = "changed"
		return nil, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("edit error: %v", err)
	}
	if again, _ := s.Incident(ctx, inc.ID); again.Name != "API errors" {
		t.Fatalf("failed edit stored: %q", again.Name)
	}
	// The database refuses a resolved status without a resolve time.
	if _, err := s.EditIncident(ctx, inc.ID, tokenActor, "incident.patch", t1, func(i *Incident) (*IncidentUpdate, error) {
		i.Resolved = time.Time{}
		return nil, nil
	}); err == nil {
		t.Fatal("resolved incident without resolved_at stored")
	}
	if _, err := s.EditIncident(ctx, 999, tokenActor, "incident.patch", t1, func(*Incident) (*IncidentUpdate, error) { return nil, nil }); !errors.Is(err, ErrNoIncident) {
		t.Fatalf("edit unknown: %v", err)
	}
	if _, err := s.Incident(ctx, 999); !errors.Is(err, ErrNoIncident) {
		t.Fatalf("unknown: %v", err)
	}

	// A second, open incident lists first; the unresolved filter drops
	// the resolved one.
	open, err := s.CreateIncident(ctx, Incident{Name: "Slow web", Status: "identified", Impact: "minor", Started: t1},
		IncidentUpdate{Status: "identified", Body: "", Author: "deploy-bot", At: t1}, tokenActor, t1)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Incidents(ctx, false, 10)
	if err != nil || len(all) != 2 || all[0].ID != open.ID || all[1].ID != inc.ID || len(all[1].Updates) != 2 {
		t.Fatalf("all: %v %+v", err, all)
	}
	unres, err := s.Incidents(ctx, true, 10)
	if err != nil || len(unres) != 1 || unres[0].ID != open.ID {
		t.Fatalf("unresolved: %v %+v", err, unres)
	}
	if one, _ := s.Incidents(ctx, false, 1); len(one) != 1 {
		t.Fatalf("limit: %d", len(one))
	}
	// Without timelines: the same incidents, with no Updates.
	bare, err := s.IncidentsNoTimeline(ctx, false, 10)
	if err != nil || len(bare) != len(all) {
		t.Fatalf("no timeline: %v %+v", err, bare)
	}
	for i := range bare {
		want := all[i]
		want.Updates = nil
		if bare[i].Updates != nil || !reflect.DeepEqual(bare[i], want) {
			t.Fatalf("no timeline %d:\n got %+v\nwant %+v", i, bare[i], want)
		}
	}
	if bare, err := s.IncidentsNoTimeline(ctx, true, 10); err != nil || len(bare) != 1 || bare[0].ID != open.ID {
		t.Fatalf("unresolved, no timeline: %v %+v", err, bare)
	}

	// Every change has its audit entry, with before and after.
	log, err := s.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 {
		t.Fatalf("%d audit entries, want 3: %+v", len(log), log)
	}
	create, edit := log[0], log[1]
	if create.Action != "incident.create" || create.ObjectType != "incident" || create.ObjectID != inc.ID ||
		create.Actor != tokenActor || create.Before != nil || !create.At.Equal(t0) {
		t.Fatalf("create entry %+v", create)
	}
	var before, after Incident
	if err := json.Unmarshal(edit.Before, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(edit.After, &after); err != nil {
		t.Fatal(err)
	}
	if edit.Action != "incident.update" || before.Status != "investigating" || after.Status != "resolved" ||
		len(after.Updates) != 1 || after.Updates[0].Body != "Fixed." {
		t.Fatalf("edit entry %+v\nbefore %+v\nafter %+v", edit, before, after)
	}
	if page, _ := s.AuditLog(ctx, log[1].ID, 100); len(page) != 1 || page[0].ID != log[2].ID {
		t.Fatalf("page after %d: %+v", log[1].ID, page)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateIncident(ctx, Incident{Name: "x", Status: "investigating", Impact: "none", Started: t0},
		IncidentUpdate{Status: "investigating", Author: "a", At: t0}, tokenActor, t0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET actor_name = 'someone else'`, `DELETE FROM audit_log`} {
		_, err := s.wdb.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want append-only refusal", q, err)
		}
	}
	if log, _ := s.AuditLog(ctx, 0, 10); len(log) != 1 || log[0].Actor.Name != "deploy-bot" {
		t.Fatalf("log changed: %+v", log)
	}
}

func TestMaintenanceCreateEditList(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	from, until := t0.Add(24*time.Hour), t0.Add(26*time.Hour)
	m, err := s.CreateMaintenance(ctx, Maintenance{Name: "DB upgrade", Status: "scheduled", ScheduledFor: from, ScheduledUntil: until,
		ComponentIDs: []string{"web", "api", "api"}},
		MaintenanceUpdate{Status: "scheduled", Body: "Planned.", Author: "deploy-bot", At: t0, DeliverNotifications: true}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 || !m.ScheduledFor.Equal(from) || !m.ScheduledUntil.Equal(until) || strings.Join(m.ComponentIDs, ",") != "api,web" ||
		len(m.Updates) != 1 || !m.Updates[0].DeliverNotifications {
		t.Fatalf("created %+v", m)
	}
	t1 := from.Add(time.Minute)
	got, err := s.EditMaintenance(ctx, m.ID, tokenActor, "maintenance.update", t1, func(m *Maintenance) (*MaintenanceUpdate, error) {
		m.Status = "in_progress"
		m.ComponentIDs = []string{"api"}
		return &MaintenanceUpdate{Status: "in_progress", Body: "Started.", Author: "deploy-bot", At: t1}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "in_progress" || len(got.Updates) != 2 || strings.Join(got.ComponentIDs, ",") != "api" || !got.Updated.Equal(t1) {
		t.Fatalf("after edit %+v", got)
	}
	// The database refuses an empty window.
	if _, err := s.EditMaintenance(ctx, m.ID, tokenActor, "maintenance.patch", t1, func(m *Maintenance) (*MaintenanceUpdate, error) {
		m.ScheduledUntil = m.ScheduledFor
		return nil, nil
	}); err == nil {
		t.Fatal("empty window stored")
	}
	if _, err := s.Maintenance(ctx, 999); !errors.Is(err, ErrNoMaintenance) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := s.EditMaintenance(ctx, 999, tokenActor, "x", t1, func(*Maintenance) (*MaintenanceUpdate, error) { return nil, nil }); !errors.Is(err, ErrNoMaintenance) {
		t.Fatalf("edit unknown: %v", err)
	}
	later, err := s.CreateMaintenance(ctx, Maintenance{Name: "Later", Status: "scheduled", ScheduledFor: until.Add(time.Hour), ScheduledUntil: until.Add(2 * time.Hour)},
		MaintenanceUpdate{Status: "scheduled", Author: "a", At: t0}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Maintenances(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != later.ID || len(list[0].ComponentIDs) != 0 {
		t.Fatalf("list: %v %+v", err, list)
	}
	open, err := s.OpenMaintenances(ctx)
	if err != nil || len(open) != 2 || open[0].ID != m.ID || open[1].ID != later.ID {
		t.Fatalf("open, soonest first: %v %+v", err, open)
	}
	// Without timelines: the same windows, with no Updates.
	bare, err := s.OpenMaintenancesNoTimeline(ctx)
	if err != nil || len(bare) != len(open) {
		t.Fatalf("open, no timeline: %v %+v", err, bare)
	}
	for i := range bare {
		want := open[i]
		want.Updates = nil
		if len(open[i].Updates) == 0 || bare[i].Updates != nil || !reflect.DeepEqual(bare[i], want) {
			t.Fatalf("open, no timeline %d:\n got %+v\nwant %+v", i, bare[i], want)
		}
	}
	if _, err := s.EditMaintenance(ctx, m.ID, tokenActor, "maintenance.update", t1, func(m *Maintenance) (*MaintenanceUpdate, error) {
		m.Status = "completed"
		return &MaintenanceUpdate{Status: "completed", Author: "a", At: t1}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if open, err = s.OpenMaintenances(ctx); err != nil || len(open) != 1 || open[0].ID != later.ID {
		t.Fatalf("open after completing one: %v %+v", err, open)
	}
	log, _ := s.AuditLog(ctx, 0, 20)
	if len(log) != 4 || log[1].Action != "maintenance.update" || log[1].ObjectType != "maintenance" || log[1].Before == nil {
		t.Fatalf("audit: %+v", log)
	}
}

// The details added in migration 7 round-trip, and drafts stay out of the
// public list.
func TestIncidentDetailsAndDrafts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	eta := t0.Add(2 * time.Hour)
	draft, err := s.CreateIncident(ctx, Incident{Name: "api down", Status: "investigating", Impact: "critical",
		Components: map[string]string{"api": "major_outage"}, Started: t0, ETA: eta, Draft: true, AutoComponent: "api"},
		IncidentUpdate{Status: "investigating", Body: "auto", Author: "ampel", At: t0}, Actor{Kind: ActorCLI, Name: "ampel"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !draft.Draft || draft.AutoComponent != "api" || !draft.ETA.Equal(eta) || !draft.PostmortemAt.IsZero() {
		t.Fatalf("draft %+v", draft)
	}
	pub, err := s.CreateIncident(ctx, Incident{Name: "web slow", Status: "investigating", Impact: "minor", Started: t0},
		IncidentUpdate{Status: "investigating", Author: "a", At: t0}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Incidents(ctx, true, 10)
	if err != nil || len(all) != 2 {
		t.Fatalf("all: %v %+v", err, all)
	}
	public, err := s.PublicIncidents(ctx, true, 10)
	if err != nil || len(public) != 1 || public[0].ID != pub.ID {
		t.Fatalf("public: %v %+v", err, public)
	}
	t1 := t0.Add(3 * time.Hour)
	got, err := s.EditIncident(ctx, draft.ID, tokenActor, "incident.postmortem", t1, func(i *Incident) (*IncidentUpdate, error) {
		i.Draft, i.ETA = false, time.Time{}
		i.Status, i.Resolved = "resolved", t1
		i.Postmortem, i.PostmortemAt = "# What happened", t1
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Draft || !got.ETA.IsZero() || got.Postmortem != "# What happened" || !got.PostmortemAt.Equal(t1) || got.AutoComponent != "api" {
		t.Fatalf("after edit %+v", got)
	}
	if public, _ = s.PublicIncidents(ctx, false, 10); len(public) != 2 {
		t.Fatalf("published draft not public: %+v", public)
	}
}

func TestMaintenanceDetailsAndRevision(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	m, err := s.CreateMaintenance(ctx, Maintenance{Name: "DB", Status: "scheduled", ScheduledFor: t0.Add(time.Hour),
		ScheduledUntil: t0.Add(2 * time.Hour), Description: "*Planned*", AutoStart: true, TimeZone: "Europe/Berlin"},
		MaintenanceUpdate{Status: "scheduled", Author: "a", At: t0}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Description != "*Planned*" || !m.AutoStart || m.AutoComplete || m.TimeZone != "Europe/Berlin" || m.Revision != 0 {
		t.Fatalf("created %+v", m)
	}
	for i := 1; i <= 2; i++ {
		got, err := s.EditMaintenance(ctx, m.ID, tokenActor, "maintenance.patch", t0, func(m *Maintenance) (*MaintenanceUpdate, error) {
			m.ScheduledUntil = m.ScheduledUntil.Add(time.Hour)
			m.AutoComplete = true
			return nil, nil
		})
		if err != nil || got.Revision != i || !got.AutoComplete {
			t.Fatalf("edit %d: %v %+v", i, err, got)
		}
	}
}
