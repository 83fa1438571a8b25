package ui

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestConsoleFormsKeepInput sends refused forms and checks the answer:
// 400, the form again with everything typed still in it, and the error
// next to the field at fault; nothing is written.
func TestConsoleFormsKeepInput(t *testing.T) {
	o := newOpsServer(t)
	o.addUser("op@example.com", store.RoleOperator, "correct horse battery")
	o.login("op@example.com", "correct horse battery")
	long := strings.Repeat("<b>x</b>", 100)
	past := t0.Add(-time.Hour).In(testConfig(t).Location).Format("2006-01-02T15:04")
	cases := []struct {
		name, page, action string
		form               url.Values
		field, keep        string
	}{
		{"no title", "/admin/incidents/new", "/admin/incidents",
			url.Values{"name": {""}, "status": {"investigating"}, "body": {"Typed at 3 a.m. <script>alert(1)</script>"}, "time_zone": {"UTC"}},
			`id="name-error"`, "Typed at 3 a.m. &lt;script&gt;alert(1)&lt;/script&gt;"},
		{"title too long", "/admin/incidents/new", "/admin/incidents",
			url.Values{"name": {long + long}, "status": {"investigating"}, "body": {"kept"}, "time_zone": {"UTC"}},
			`id="name-error"`, "kept"},
		{"past ETA", "/admin/incidents/new", "/admin/incidents",
			url.Values{"name": {"Slow"}, "status": {"identified"}, "eta": {past}, "body": {"kept body"}, "time_zone": {"Europe/Berlin"}, "comp.web": {"degraded_performance"}},
			`id="eta-error"`, `<option value="degraded_performance" selected>`},
		{"bad ETA", "/admin/incidents/new", "/admin/incidents",
			url.Values{"name": {"Slow"}, "status": {"identified"}, "eta": {"tomorrow"}, "time_zone": {"UTC"}},
			`id="eta-error"`, `value="tomorrow"`},
		{"unknown zone", "/admin/incidents/new", "/admin/incidents",
			url.Values{"name": {"Slow"}, "status": {"identified"}, "time_zone": {"Mars/Olympus"}},
			"choose a time zone", `value="Slow"`},
		{"unknown component", "/admin/incidents/new", "/admin/incidents",
			url.Values{"name": {"Slow"}, "status": {"identified"}, "time_zone": {"UTC"}, "comp.db": {"major_outage"}},
			"unknown component", `value="Slow"`},
		{"window backwards", "/admin/maintenances/new", "/admin/maintenances",
			url.Values{"name": {"DB"}, "description": {"Plan **B**"}, "scheduled_for": {"2026-12-01T04:00"}, "scheduled_until": {"2026-12-01T02:00"},
				"time_zone": {"Europe/Berlin"}, "component": {"api"}},
			`id="until-error"`, `value="api" checked`},
		{"window without times", "/admin/maintenances/new", "/admin/maintenances",
			url.Values{"name": {"DB"}, "description": {"Plan **B**"}, "time_zone": {"UTC"}, "auto_start": {"on"}},
			`id="for-error"`, "Plan **B**"},
	}
	for _, c := range cases {
		code, _, body := o.submit(c.page, c.action, c.form)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", c.name, code)
			continue
		}
		if !strings.Contains(body, c.field) || !strings.Contains(body, c.keep) || !strings.Contains(body, `class="field-error"`) {
			t.Errorf("%s: the answer lacks %q or %q:\n%s", c.name, c.field, c.keep, body)
		}
		if strings.Contains(html.UnescapeString(body), "<script>alert") && !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s: typed text not escaped", c.name)
		}
	}
	if log, _ := o.st.AuditLog(t.Context(), 0, 10); len(log) != 1 { // the user's creation
		t.Fatalf("refused forms wrote %d audit entries", len(log)-1)
	}

	// On an incident's page: each form keeps its own input.
	code, page, _ := o.submit("/admin/incidents/new", "/admin/incidents", url.Values{"name": {"Blip"}, "status": {"investigating"}, "time_zone": {"UTC"}})
	if code != http.StatusSeeOther {
		t.Fatalf("open: %d", code)
	}
	code, _, body := o.submit(page, page+"/updates", url.Values{"status": {"identified"}, "body": {""}, "time_zone": {"UTC"}, "at": {"2026-11-23T11:30"}})
	if code != 400 || !strings.Contains(body, `id="u-body-error"`) || !strings.Contains(body, `value="2026-11-23T11:30"`) {
		t.Errorf("empty update: %d\n%s", code, body)
	}
	code, _, body = o.submit(page, page+"/updates", url.Values{"status": {"identified"}, "body": {"Later"}, "time_zone": {"UTC"}, "at": {"2026-11-23T13:30"}})
	if code != 400 || !strings.Contains(body, `id="u-at-error"`) || !strings.Contains(body, ">Later</textarea>") {
		t.Errorf("future update: %d\n%s", code, body)
	}
	code, _, body = o.submit(page, page+"/postmortem", url.Values{"postmortem": {"Too soon"}})
	if code != 400 || !strings.Contains(body, `id="pm-error"`) {
		t.Errorf("postmortem on an open incident: %d", code)
	}
	code, _, body = o.submit(page, page+"/edit", url.Values{"name": {""}, "impact_override": {"minor"}, "time_zone": {"UTC"}})
	if code != 400 || !strings.Contains(body, `id="e-name-error"`) || !strings.Contains(body, "<details class=\"card\" open>") {
		t.Errorf("edit without a title: %d", code)
	}
	for _, p := range []string{"/admin/incidents/999", "/admin/incidents/abc", "/admin/maintenances/999"} {
		if code, _ := o.get(p); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
}

// TestConsoleErrorsNameLabels: a refused form's errors name its fields by
// their labels, never by the API's names.
func TestConsoleErrorsNameLabels(t *testing.T) {
	o := newOpsServer(t)
	o.addUser("op@example.com", store.RoleOperator, "correct horse battery")
	o.login("op@example.com", "correct horse battery")
	for _, c := range []struct {
		name, page, action string
		form               url.Values
		want               string
	}{
		{"window backwards", "/admin/maintenances/new", "/admin/maintenances",
			url.Values{"name": {"DB"}, "scheduled_for": {"2026-12-01T04:00"}, "scheduled_until": {"2026-12-01T02:00"}, "time_zone": {"UTC"}},
			`<p class="field-error" id="until-error">Ends: must be after Starts</p>`},
		{"window without start", "/admin/maintenances/new", "/admin/maintenances",
			url.Values{"name": {"DB"}, "time_zone": {"UTC"}},
			`<p class="field-error" id="for-error">Starts: required</p>`},
	} {
		code, _, body := o.submit(c.page, c.action, c.form)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", c.name, code)
			continue
		}
		contains(t, c.name, body, c.want)
		for _, api := range []string{"scheduled_for", "scheduled_until"} {
			if strings.Contains(body, ">"+api) || strings.Contains(body, " "+api+"<") || strings.Contains(body, "after "+api) {
				t.Errorf("%s: an error names the API field %s", c.name, api)
			}
		}
	}
}
