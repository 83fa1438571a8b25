package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestOperatorAPIIncidentETADraftPostmortem drives the fields issue 4
// added to incidents: the ETA (set, cleared with null, dropped on
// resolution), drafts (hidden from the public list until published, never
// unpublished) and the postmortem (only once resolved).
func TestOperatorAPIIncidentETADraftPostmortem(t *testing.T) {
	f := newAPIFixture(t)
	ctx := context.Background()
	eta := t0.Add(2 * time.Hour)
	var inc store.Incident
	ok(t, f.do("POST", "/api/v1/incidents", f.op, fmt.Sprintf(`{"name":"Slow search","draft":true,"eta":%q,
		"components":{"api":"degraded_performance"}}`, eta.Format(time.RFC3339))), 201, &inc)
	if !inc.Draft || !inc.ETA.Equal(eta) || inc.Impact != "minor" {
		t.Fatalf("created %+v", inc)
	}
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	// Each answer decodes into a fresh value: fields left out as zero
	// (omitzero) must not keep what an earlier answer said.
	send := func(method, p, body string, want int) store.Incident {
		t.Helper()
		var v store.Incident
		ok(t, f.do(method, p, f.op, body), want, &v)
		return v
	}
	public := func() int {
		list, err := f.st.PublicIncidents(ctx, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if public() != 0 {
		t.Fatal("a draft is public")
	}
	// Absent leaves the ETA; null clears it; a new one replaces it.
	inc = send("PATCH", path, `{"name":"Slow search results"}`, 200)
	if !inc.ETA.Equal(eta) {
		t.Fatalf("ETA lost by an unrelated PATCH: %v", inc.ETA)
	}
	inc = send("PATCH", path, `{"eta":null}`, 200)
	if !inc.ETA.IsZero() {
		t.Fatalf("ETA not cleared: %v", inc.ETA)
	}
	inc = send("PATCH", path, `{"eta":"2026-11-23T14:00:00+01:00","draft":false}`, 200)
	if inc.Draft || !inc.ETA.Equal(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)) || public() != 1 {
		t.Fatalf("published %+v (public %d)", inc, public())
	}
	for _, c := range []struct{ body, field string }{
		{`{"draft":true}`, "draft"},
		{`{"postmortem":"too early"}`, "postmortem"},
		{`{"eta":"` + t0.Add(-time.Hour).Format(time.RFC3339) + `"}`, "eta"},
		{`{"eta":"soon"}`, "eta"},
		{`{"eta":12}`, "eta"},
	} {
		rec := f.do("PATCH", path, f.op, c.body)
		if e := apiErr(t, rec); rec.Code/100 != 4 || e.Field != c.field {
			t.Errorf("%s: %d %+v, want field %s", c.body, rec.Code, e, c.field)
		}
	}
	// Resolving drops the ETA; then the postmortem is accepted.
	f.advance(time.Hour)
	inc = send("POST", path+"/updates", `{"status":"resolved","body":"Fixed.","components":{"api":"operational"}}`, 200)
	if !inc.ETA.IsZero() || inc.Status != "resolved" {
		t.Fatalf("resolved %+v", inc)
	}
	if rec := f.do("PATCH", path, f.op, `{"eta":"`+t0.Add(3*time.Hour).Format(time.RFC3339)+`"}`); rec.Code != 422 || apiErr(t, rec).Field != "eta" {
		t.Fatalf("ETA on a resolved incident: %d", rec.Code)
	}
	inc = send("PATCH", path, `{"postmortem":"## What happened\nAn index was dropped."}`, 200)
	if !strings.HasPrefix(inc.Postmortem, "## What happened") || !inc.PostmortemAt.Equal(t0.Add(time.Hour)) || len(inc.Updates) != 2 {
		t.Fatalf("postmortem %+v", inc)
	}
	big := `{"postmortem":"` + strings.Repeat("x", 65<<10) + `"}`
	if rec := f.do("PATCH", path, f.op, big); rec.Code != 422 || apiErr(t, rec).Field != "postmortem" {
		t.Fatalf("oversized postmortem: %d", rec.Code)
	}
	// Resolve and postmortem in one request work on a fresh incident.
	var two store.Incident
	ok(t, f.do("POST", "/api/v1/incidents", f.op, `{"name":"Blip"}`), 201, &two)
	ok(t, f.do("PATCH", fmt.Sprintf("/api/v1/incidents/%d", two.ID), f.op, `{"status":"resolved","body":"Gone.","postmortem":"A blip."}`), 200, &two)
	if two.Postmortem != "A blip." || two.Status != "resolved" {
		t.Fatalf("resolve+postmortem %+v", two)
	}
}

// TestOperatorAPIMaintenanceFields drives description, the clock flags
// (true unless said otherwise), the time zone, cancelling and
// rescheduling (which raises the revision calendars follow).
func TestOperatorAPIMaintenanceFields(t *testing.T) {
	f := newAPIFixture(t)
	var m store.Maintenance
	ok(t, f.do("POST", "/api/v1/maintenances", f.op, `{"name":"Kernel updates","description":"Reboots, **one at a time**.",
		"scheduled_for":"2026-11-24T02:00:00+01:00","scheduled_until":"2026-11-24T03:00:00+01:00","time_zone":"Europe/Berlin",
		"auto_complete":false,"component_ids":["api"]}`), 201, &m)
	if m.Description != "Reboots, **one at a time**." || !m.AutoStart || m.AutoComplete || m.TimeZone != "Europe/Berlin" || m.Revision != 0 {
		t.Fatalf("created %+v", m)
	}
	path := fmt.Sprintf("/api/v1/maintenances/%d", m.ID)
	ok(t, f.do("PATCH", path, f.op, `{"scheduled_for":"2026-11-25T02:00:00+01:00","scheduled_until":"2026-11-25T04:00:00+01:00","auto_start":false}`), 200, &m)
	if m.ScheduledFor.Day() != 25 || m.AutoStart || m.Revision != 1 || len(m.Updates) != 1 {
		t.Fatalf("rescheduled %+v", m)
	}
	for _, c := range []struct{ body, field string }{
		{`{"time_zone":"Mars/Olympus"}`, "time_zone"},
		{`{"time_zone":7}`, "time_zone"},
		{`{"auto_start":"yes"}`, "auto_start"},
		{`{"description":"` + strings.Repeat("x", 65<<10) + `"}`, "description"},
	} {
		rec := f.do("PATCH", path, f.op, c.body)
		if e := apiErr(t, rec); rec.Code/100 != 4 || (c.field != "" && e.Field != c.field) {
			t.Errorf("%.40s: %d %+v, want field %s", c.body, rec.Code, e, c.field)
		}
	}
	ok(t, f.do("POST", path+"/updates", f.op, `{"status":"in_progress","body":"Started."}`), 200, &m)
	ok(t, f.do("POST", path+"/updates", f.op, `{"status":"cancelled","body":"Called off."}`), 200, &m)
	if m.Status != "cancelled" || len(m.Updates) != 3 {
		t.Fatalf("cancelled %+v", m)
	}
	if rec := f.do("PATCH", path, f.op, `{"status":"in_progress"}`); rec.Code != 422 || apiErr(t, rec).Field != "status" {
		t.Fatalf("cancelled → in_progress: %d", rec.Code)
	}
	// A scheduled window can be cancelled too.
	var two store.Maintenance
	ok(t, f.do("POST", "/api/v1/maintenances", f.op, `{"name":"n","scheduled_for":"2026-12-01T00:00:00Z","scheduled_until":"2026-12-01T01:00:00Z"}`), 201, &two)
	ok(t, f.do("PATCH", fmt.Sprintf("/api/v1/maintenances/%d", two.ID), f.op, `{"status":"cancelled"}`), 200, &two)
	if two.Status != "cancelled" || !two.AutoStart || !two.AutoComplete {
		t.Fatalf("second %+v", two)
	}
}
