package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// TestJSONPostmortemAndDrafts: an incident with a published postmortem
// carries it and the status "postmortem" in the v2 JSON (checked against
// the spec's shapes); others carry nulls; drafts appear nowhere.
func TestJSONPostmortemAndDrafts(t *testing.T) {
	spec := readSpec(t)
	f := newFixture(t)
	p := seedPublicPages(t, f)
	for _, path := range []string{"/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json"} {
		checkShapes(t, spec, f.h, path)
		body := get(f.h, path, "192.0.2.1:1", nil).Body.String()
		lacks(t, path, body, "Secret draft", "Draft body", "Draft postmortem")
	}
	var all struct {
		Incidents []map[string]any `json:"incidents"`
	}
	if err := json.Unmarshal(get(f.h, "/api/v2/incidents.json", "192.0.2.1:1", nil).Body.Bytes(), &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Incidents) != 3 {
		t.Fatalf("%d incidents, want the 3 published", len(all.Incidents))
	}
	for _, inc := range all.Incidents {
		switch inc["id"] {
		case idString(p.resolved.ID):
			if inc["status"] != "postmortem" || inc["postmortem_body"] != "A **config push** broke routing." ||
				inc["postmortem_published_at"] != "2026-11-20T14:00:00.000+01:00" || inc["postmortem_body_last_updated_at"] != inc["postmortem_published_at"] {
				t.Errorf("with postmortem: %v", inc)
			}
		default:
			if inc["postmortem_body"] != nil || inc["postmortem_published_at"] != nil || inc["status"] == "postmortem" {
				t.Errorf("without postmortem: %v", inc)
			}
		}
	}
	if !strings.Contains(get(f.h, "/api/v2/incidents/unresolved.json", "192.0.2.1:1", nil).Body.String(), `"postmortem_body":null`) {
		t.Error("unresolved incidents lack a null postmortem_body")
	}
}

// TestJSONStaleComponentIsNotOperational: when every zone of every check
// falls silent, the page and the badge say "no data"; the Statuspage JSON
// must not tell a customer's tool "operational" for what nobody watches.
// It says degraded_performance, the mildest status that does not claim
// all is well, and the truth in ampel_status.
func TestJSONStaleComponentIsNotOperational(t *testing.T) {
	spec := readSpec(t)
	f := newFixture(t)
	// The fixture's history probes every 10 minutes: give the checks that
	// interval, then let an hour pass without a result.
	for i := range f.cfg.Components {
		for j := range f.cfg.Components[i].Checks {
			f.cfg.Components[i].Checks[j].Interval = config.Duration(10 * time.Minute)
		}
	}
	if changes := f.engine.Tick(t0.Add(time.Hour)); len(changes) == 0 {
		t.Fatal("no zone went stale")
	}
	if body := get(f.h, "/badge/api.svg", "192.0.2.1:1", nil).Body.String(); !strings.Contains(body, "no data") {
		t.Fatalf("the badge of a stale component does not say no data:\n%s", body)
	}
	if body := get(f.h, "/components/api", "192.0.2.1:1", nil).Body.String(); !strings.Contains(body, "No data") {
		t.Fatal("the page of a stale component does not say No data")
	}
	for _, path := range []string{"/api/v2/components.json", "/api/v2/summary.json"} {
		body := checkShapes(t, spec, f.h, path)
		comps, _ := body["components"].([]any)
		if len(comps) != 4 {
			t.Fatalf("%s: %d components, want 4 (a group and three)", path, len(comps))
		}
		for _, c := range comps {
			c := c.(map[string]any)
			if c["status"] != noDataStatus || c["ampel_status"] != "no_data" {
				t.Errorf("%s: %s is stale but says status %v, ampel_status %v", path, c["id"], c["status"], c["ampel_status"])
			}
		}
	}
}

// TestJSONAmpelStatus: ampel_status repeats Statuspage's status where it
// is the truth; a group shows the worst of what its members show, and is
// no_data only when no member is worse than up.
func TestJSONAmpelStatus(t *testing.T) {
	for _, c := range []struct {
		levels       []status.Level
		shown, ampel string
	}{
		{[]status.Level{status.Up}, "operational", "operational"},
		{[]status.Level{status.Down}, "major_outage", "major_outage"},
		{[]status.Level{status.NoData}, "degraded_performance", "no_data"},
		{[]status.Level{status.Up, status.NoData}, "degraded_performance", "no_data"},
		{[]status.Level{status.Degraded, status.NoData}, "degraded_performance", "degraded_performance"},
		{[]status.Level{status.Partial, status.NoData}, "partial_outage", "partial_outage"},
		{[]status.Level{status.Maintenance, status.NoData}, "under_maintenance", "under_maintenance"},
	} {
		if shown, ampel := groupStatus(c.levels); shown != c.shown || ampel != c.ampel {
			t.Errorf("group of %v: %s, %s; want %s, %s", c.levels, shown, ampel, c.shown, c.ampel)
		}
	}
}
