package ui

import (
	"encoding/json"
	"strings"
	"testing"
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
