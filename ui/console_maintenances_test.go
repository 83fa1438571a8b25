package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestConsoleMaintenanceFlow schedules a window from the console, moves
// it through its statuses and checks that its components show
// under_maintenance in summary.json while it is in progress (and verifying)
// and not before or after; a second window is rescheduled and cancelled.
func TestConsoleMaintenanceFlow(t *testing.T) {
	o := newOpsServer(t)
	o.addUser("op@example.com", store.RoleOperator, "correct horse battery")
	o.login("op@example.com", "correct horse battery")

	code, page, body := o.submit("/admin/maintenances/new", "/admin/maintenances", url.Values{
		"name": {"Database upgrade"}, "description": {"Read-only for **ten minutes**."},
		"scheduled_for": {"2026-11-23T13:00"}, "scheduled_until": {"2026-11-23T14:00"}, "time_zone": {"Europe/Berlin"},
		"component": {"api", "web"}, "auto_start": {"on"}, "notify": {"on"},
	})
	if code != http.StatusSeeOther || !strings.HasPrefix(page, "/admin/maintenances/") {
		t.Fatalf("schedule: %d %q\n%s", code, page, body)
	}
	m := o.maintenance(page)
	if m.Status != "scheduled" || !m.ScheduledFor.Equal(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)) || !m.AutoStart || m.AutoComplete ||
		m.TimeZone != "Europe/Berlin" || strings.Join(m.ComponentIDs, ",") != "api,web" || !m.Updates[0].DeliverNotifications {
		t.Fatalf("stored %+v", m)
	}
	_, console := o.get(page)
	for _, want := range []string{"Database upgrade", "<strong>ten minutes</strong>", "Nov 23, 13:00 CET", "Affects: API, Web", "Maintenance scheduled."} {
		if !strings.Contains(console, want) {
			t.Errorf("console page lacks %q", want)
		}
	}
	docs := o.summary().component("docs")
	if got := o.summary().component("api"); got != docs {
		t.Fatalf("api is %s before the window, like docs (%s) expected", got, docs)
	}

	for _, step := range []struct{ status, api string }{
		{"in_progress", "under_maintenance"}, {"verifying", "under_maintenance"}, {"completed", docs},
	} {
		o.advance(5 * time.Minute)
		code, _, body := o.submit(page, page+"/updates", url.Values{"status": {step.status}, "body": {"Now " + step.status + "."}, "time_zone": {"UTC"}})
		if code != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.status, code, body)
		}
		s := o.summary()
		if s.component("api") != step.api || s.component("web") != step.api || s.component("docs") != docs {
			t.Errorf("%s: summary api %s web %s docs %s, want %s", step.status, s.component("api"), s.component("web"), s.component("docs"), step.api)
		}
	}
	// Completed is final: the form offers nothing else and the rule holds.
	code, _, body = o.submit(page, page+"/updates", url.Values{"status": {"in_progress"}, "body": {"again"}, "time_zone": {"UTC"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="u-status-error"`) {
		t.Errorf("completed → in_progress: %d", code)
	}

	// A second window: rescheduled (the revision rises), then cancelled.
	_, second, _ := o.submit("/admin/maintenances/new", "/admin/maintenances", url.Values{
		"name": {"Network work"}, "scheduled_for": {"2026-11-24T02:00"}, "scheduled_until": {"2026-11-24T03:00"},
		"time_zone": {"UTC"}, "component": {"docs"}, "auto_start": {"on"}, "auto_complete": {"on"},
	})
	code, _, body = o.submit(second, second+"/edit", url.Values{
		"name": {"Network work"}, "scheduled_for": {"2026-11-25T02:00"}, "scheduled_until": {"2026-11-25T04:00"},
		"time_zone": {"America/New_York"}, "component": {"docs"}, "auto_complete": {"on"},
	})
	if code != http.StatusSeeOther {
		t.Fatalf("reschedule: %d\n%s", code, body)
	}
	if m := o.maintenance(second); m.Revision != 1 || !m.ScheduledFor.Equal(time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)) ||
		m.AutoStart || !m.AutoComplete || m.TimeZone != "America/New_York" || len(m.Updates) != 1 {
		t.Fatalf("rescheduled %+v", m)
	}
	// The window's page shows its times in its own zone, as scheduled.
	if _, page := o.get(second); !strings.Contains(page, "Nov 25, 02:00 EST") || !strings.Contains(page, "(America/New_York)") {
		t.Errorf("window page does not show the window's own zone:\n%s", page)
	}
	code, _, _ = o.submit(second, second+"/updates", url.Values{"status": {"cancelled"}, "body": {"Not needed after all."}, "time_zone": {"UTC"}})
	if m := o.maintenance(second); code != http.StatusSeeOther || m.Status != "cancelled" {
		t.Fatalf("cancel: %d %s", code, m.Status)
	}
	_, list := o.get("/admin/maintenances")
	if !strings.Contains(list, "Network work") || !strings.Contains(list, "cancelled") || !strings.Contains(list, "Nothing scheduled") {
		t.Errorf("maintenance list:\n%s", list)
	}
}

// maintenance reads the window of a console path from the store.
func (o *opsServer) maintenance(path string) store.Maintenance {
	o.t.Helper()
	m, err := o.st.Maintenance(o.t.Context(), mustID(o.t, strings.TrimPrefix(path, "/admin/maintenances/")))
	if err != nil {
		o.t.Fatal(err)
	}
	return m
}

// TestConsoleDraftIncident saves an incident as a draft from the console:
// customers see nothing and the component keeps its status until it is
// published from its page.
func TestConsoleDraftIncident(t *testing.T) {
	o := newOpsServer(t)
	o.addUser("op@example.com", store.RoleOperator, "correct horse battery")
	o.login("op@example.com", "correct horse battery")
	docs := o.summary().component("docs")
	code, page, body := o.submit("/admin/incidents/new", "/admin/incidents", url.Values{
		"name": {"Suspected DNS trouble"}, "status": {"investigating"}, "comp.api": {"major_outage"},
		"body": {"Checking."}, "time_zone": {"UTC"}, "draft": {"1"},
	})
	if code != http.StatusSeeOther {
		t.Fatalf("draft: %d\n%s", code, body)
	}
	_, console := o.get(page)
	if !strings.Contains(console, "Draft saved") || !strings.Contains(console, "Publish now") {
		t.Fatalf("draft page:\n%s", console)
	}
	if _, home := o.get("/"); strings.Contains(home, "Suspected DNS trouble") {
		t.Error("the front page shows a draft")
	}
	if s := o.summary(); len(s.Incidents) != 0 || s.component("api") != docs {
		t.Errorf("summary.json shows the draft: %+v, api %s", s.Incidents, s.component("api"))
	}
	if code, _, _ := o.submit(page, page+"/publish", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("publish: %d", code)
	}
	if _, home := o.get("/"); !strings.Contains(home, "Suspected DNS trouble") {
		t.Error("the front page does not show the published incident")
	}
	if s := o.summary(); len(s.Incidents) != 1 || s.component("api") != "major_outage" {
		t.Errorf("summary.json after publishing: %+v, api %s", s.Incidents, s.component("api"))
	}
	if _, console := o.get(page); strings.Contains(console, "Publish now") {
		t.Error("a published incident still offers to publish")
	}
}
