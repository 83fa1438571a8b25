package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

var seedActor = store.Actor{Kind: store.ActorToken, ID: 1, Name: "deploy-bot"}

// seeded is what seedNotices stored.
type seeded struct {
	open, quiet, resolved            store.Incident
	active, upcoming, completed, off store.Maintenance
}

// seedNotices stores, around t0: an open incident with three updates
// changing component statuses, an open incident without components but
// with a critical override, a resolved one, and windows in progress,
// upcoming, completed and cancelled.
func seedNotices(t testing.TB, st *store.Store) seeded {
	t.Helper()
	ctx := context.Background()
	var s seeded
	var err error
	mk := func(name, status, impact string, comps map[string]string, at time.Time, body string) store.Incident {
		inc, err := st.CreateIncident(ctx, store.Incident{Name: name, Status: status, Impact: impact, Components: comps, Started: at},
			store.IncidentUpdate{Status: status, Body: body, Components: comps, DeliverNotifications: true, Author: "deploy-bot", At: at}, seedActor, at)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	edit := func(inc store.Incident, status string, comps map[string]string, at time.Time, body string) store.Incident {
		got, err := st.EditIncident(ctx, inc.ID, seedActor, "incident.update", at, func(i *store.Incident) (*store.IncidentUpdate, error) {
			i.Status = status
			if comps != nil {
				i.Components = comps
			}
			if status == "resolved" {
				i.Resolved = at
			}
			return &store.IncidentUpdate{Status: status, Body: body, Components: comps, Author: "deploy-bot", At: at}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	s.resolved = mk("Old outage", "investigating", "major", map[string]string{"api": "partial_outage"}, t0.Add(-72*time.Hour), "Old.")
	edit(s.resolved, "resolved", map[string]string{"api": "operational"}, t0.Add(-71*time.Hour), "Fixed.")
	s.open = mk("Web errors", "investigating", "major", map[string]string{"web": "partial_outage"}, t0.Add(-2*time.Hour), "We are **investigating**.")
	edit(s.open, "identified", map[string]string{"web": "major_outage"}, t0.Add(-time.Hour), "Found a bad deploy.")
	edit(s.open, "monitoring", nil, t0.Add(-30*time.Minute), "Rolled back; watching.")
	s.quiet = mk("Billing delays", "identified", "critical", map[string]string{}, t0.Add(-10*time.Minute), "Invoices are late.")
	if s.open, err = st.Incident(ctx, s.open.ID); err != nil {
		t.Fatal(err)
	}
	win := func(name, status string, from, until time.Time, ids []string) store.Maintenance {
		m, err := st.CreateMaintenance(ctx, store.Maintenance{Name: name, Status: status, ScheduledFor: from, ScheduledUntil: until, ComponentIDs: ids},
			store.MaintenanceUpdate{Status: status, Body: "Window: " + name, Author: "deploy-bot", At: t0.Add(-100 * time.Hour)}, seedActor, t0.Add(-100*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	s.active = win("Database upgrade", "in_progress", t0.Add(-time.Hour), t0.Add(time.Hour), []string{"api"})
	s.upcoming = win("Docs move", "scheduled", t0.Add(24*time.Hour), t0.Add(26*time.Hour), []string{"docs"})
	s.completed = win("Old window", "completed", t0.Add(-50*time.Hour), t0.Add(-49*time.Hour), []string{"web"})
	s.off = win("Called off", "cancelled", t0.Add(48*time.Hour), t0.Add(49*time.Hour), nil)
	return s
}

// TestStatuspageShapesWithIncidents checks the endpoints field by field
// again, with stored incidents and windows in every list.
func TestStatuspageShapesWithIncidents(t *testing.T) {
	spec := readSpec(t)
	f := newFixture(t)
	seedNotices(t, f.store)
	wantLen := map[string]int{
		"/api/v2/summary.json":                         -1,
		"/api/v2/incidents.json":                       3,
		"/api/v2/incidents/unresolved.json":            2,
		"/api/v2/scheduled-maintenances.json":          3, // not the cancelled one
		"/api/v2/scheduled-maintenances/upcoming.json": 1,
		"/api/v2/scheduled-maintenances/active.json":   1,
	}
	for path, n := range wantLen {
		body := checkShapes(t, spec, f.h, path)
		list := "incidents"
		if strings.Contains(path, "maintenances") {
			list = "scheduled_maintenances"
		}
		if n < 0 {
			if got := len(body["incidents"].([]any)); got != 2 {
				t.Errorf("summary: %d incidents, want the 2 unresolved", got)
			}
			if got := len(body["scheduled_maintenances"].([]any)); got != 2 {
				t.Errorf("summary: %d maintenances, want active + upcoming", got)
			}
			continue
		}
		if got := len(body[list].([]any)); got != n {
			t.Errorf("%s: %d %s, want %d", path, got, list, n)
		}
	}
}

// TestIncidentJSONContent checks the values: timeline newest first with
// Markdown bodies as written, old and new component statuses,
// monitoring_at, resolved_at, the window and the blended page status.
func TestIncidentJSONContent(t *testing.T) {
	f := newFixture(t)
	s := seedNotices(t, f.store)
	var sum struct {
		Incidents             []incidentJSON `json:"incidents"`
		ScheduledMaintenances []incidentJSON `json:"scheduled_maintenances"`
		Status                statusObject   `json:"status"`
	}
	rec := get(f.h, "/api/v2/summary.json", "192.0.2.1:1", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	// The critical incident outweighs the components' partial outage.
	if sum.Status != (statusObject{"critical", "Major System Outage"}) {
		t.Errorf("status %+v", sum.Status)
	}
	if len(sum.Incidents) != 2 || sum.Incidents[0].Name != "Billing delays" || sum.Incidents[1].Name != "Web errors" {
		t.Fatalf("incidents %+v", sum.Incidents)
	}
	inc := sum.Incidents[1]
	if inc.ID != idString(s.open.ID) || inc.Status != "monitoring" || inc.Impact != "major" || inc.ResolvedAt != nil ||
		inc.MonitoringAt == nil || *inc.MonitoringAt != "2026-11-23T11:30:00.000+01:00" ||
		inc.StartedAt != "2026-11-23T10:00:00.000+01:00" || !strings.HasSuffix(inc.Shortlink, "/incidents/"+inc.ID) {
		t.Errorf("incident %+v", inc)
	}
	if len(inc.Components) != 1 || inc.Components[0].ID != "web" {
		t.Errorf("components %+v", inc.Components)
	}
	var bodies []string
	for _, u := range inc.Updates {
		bodies = append(bodies, u.Body)
		if u.IncidentID != inc.ID {
			t.Errorf("update %s names incident %s", u.ID, u.IncidentID)
		}
	}
	if strings.Join(bodies, "|") != "Rolled back; watching.|Found a bad deploy.|We are **investigating**." {
		t.Errorf("timeline %q", bodies)
	}
	if a := inc.Updates[1].AffectedComponents; len(a) != 1 || a[0] != (affectedJSON{"web", "Web <app>", "partial_outage", "major_outage"}) {
		t.Errorf("affected %+v", a)
	}
	if inc.Updates[0].AffectedComponents != nil || !inc.Updates[2].DeliverNotifications {
		t.Errorf("updates %+v", inc.Updates)
	}
	ms := sum.ScheduledMaintenances
	if len(ms) != 2 || ms[0].Name != "Database upgrade" || ms[1].Name != "Docs move" || ms[0].Impact != "maintenance" ||
		ms[1].ScheduledFor != "2026-11-24T12:00:00.000+01:00" || ms[1].ScheduledUntil != "2026-11-24T14:00:00.000+01:00" ||
		len(ms[1].Components) != 1 || ms[1].Components[0].ID != "docs" {
		t.Errorf("maintenances %+v", ms)
	}

	var all struct {
		Incidents []incidentJSON `json:"incidents"`
	}
	rec = get(f.h, "/api/v2/incidents.json", "192.0.2.1:1", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &all); err != nil {
		t.Fatal(err)
	}
	old := all.Incidents[len(all.Incidents)-1]
	if old.Name != "Old outage" || old.ResolvedAt == nil || *old.ResolvedAt != "2026-11-20T13:00:00.000+01:00" {
		t.Errorf("resolved incident %+v", old)
	}
}

// TestStatusJSONWithoutIncidents keeps the component-based status when
// no incident is open (the resolved one does not count).
func TestStatusJSONWithoutIncidents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.CreateIncident(ctx, store.Incident{Name: "Done", Status: "resolved", Impact: "critical", Started: t0, Resolved: t0},
		store.IncidentUpdate{Status: "resolved", Body: "x", At: t0}, seedActor, t0); err != nil {
		t.Fatal(err)
	}
	var body statusBody
	rec := get(f.h, "/api/v2/status.json", "192.0.2.1:1", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	// Web in partial outage, Docs degraded, API up: Statuspage's blend.
	if body.Status != (statusObject{"minor", "Minor Service Outage"}) {
		t.Errorf("status %+v", body.Status)
	}
}

// TestMaintenanceIndicator: while a window is in progress and nothing is
// worse, status.json and summary.json say "maintenance", as Statuspage
// does; an open incident still outweighs it.
func TestMaintenanceIndicator(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, check := range []string{"api-health", "web-home", "docs-home"} {
		for _, zone := range []string{"eu", "us"} {
			f.in.Handle(result(check, zone, t0, 10*time.Millisecond, status.Up))
		}
	}
	if err := f.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	read := func(path string) statusObject {
		t.Helper()
		var body struct {
			Status statusObject `json:"status"`
		}
		if err := json.Unmarshal(get(f.h, path, "192.0.2.1:1", nil).Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return body.Status
	}
	if got := read("/api/v2/status.json"); got != (statusObject{"none", "All Systems Operational"}) {
		t.Fatalf("before the window: %+v", got)
	}
	if _, err := f.store.CreateMaintenance(ctx, store.Maintenance{Name: "Upgrade", Status: "in_progress", ScheduledFor: t0.Add(-time.Hour), ScheduledUntil: t0.Add(time.Hour), ComponentIDs: []string{"api"}},
		store.MaintenanceUpdate{Status: "in_progress", Body: "Upgrading", Author: "ops", At: t0.Add(-time.Hour)}, seedActor, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	bump(f)
	want := statusObject{"maintenance", "Service Under Maintenance"}
	for _, path := range []string{"/api/v2/status.json", "/api/v2/summary.json"} {
		if got := read(path); got != want {
			t.Errorf("%s during the window: %+v, want %+v", path, got, want)
		}
	}
	if _, err := f.store.CreateIncident(ctx, store.Incident{Name: "Errors", Status: "investigating", Impact: "minor", Started: t0},
		store.IncidentUpdate{Status: "investigating", Body: "x", At: t0}, seedActor, t0); err != nil {
		t.Fatal(err)
	}
	bump(f)
	if got := read("/api/v2/status.json"); got.Indicator != "minor" {
		t.Errorf("window and a minor incident: %+v, want minor", got)
	}
}

// TestOperatorEditRefreshesCache: a change through the operator API shows
// in the cached JSON and page at once, not after refreshEvery; a refused
// request does not count as a change.
func TestOperatorEditRefreshesCache(t *testing.T) {
	f := newAPIFixture(t)
	unresolved := func() int {
		var b struct {
			Incidents []incidentJSON `json:"incidents"`
		}
		rec := f.do(http.MethodGet, "/api/v2/summary.json", "", "")
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		return len(b.Incidents)
	}
	home := func() string { return f.do(http.MethodGet, "/", "", "").Body.String() }
	if n := unresolved(); n != 0 {
		t.Fatalf("%d incidents before", n)
	}
	if strings.Contains(home(), "Queue stuck") {
		t.Fatal("incident on the page before it exists")
	}
	before := f.do(http.MethodGet, "/api/v2/summary.json", "", "").Header().Get("ETag")
	if rec := f.do(http.MethodPost, "/api/v1/incidents", f.op, `{"name": ""}`); rec.Code < 400 {
		t.Fatalf("bad create answered %d", rec.Code)
	}
	if rec := f.do(http.MethodPost, "/api/v1/incidents", f.op, `{"name": "Queue stuck", "body": "Jobs wait."}`); rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if n := unresolved(); n != 1 {
		t.Fatalf("%d incidents right after the create, want 1", n)
	}
	if !strings.Contains(home(), "Queue stuck") {
		t.Error("incident not on the page right after the create")
	}
	if after := f.do(http.MethodGet, "/api/v2/summary.json", "", "").Header().Get("ETag"); after == before {
		t.Error("ETag unchanged")
	}
}
