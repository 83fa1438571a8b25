package overlay

import (
	"testing"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

func TestCompute(t *testing.T) {
	incs := []store.Incident{
		{ID: 1, Name: "API errors", Status: "identified", Components: map[string]string{
			"api": "major_outage", "web": "degraded_performance", "cdn": "operational", "db": "partial_outage"}},
		{ID: 2, Name: "Slow API", Status: "investigating", Components: map[string]string{"api": "degraded_performance", "mail": "partial_outage"}},
		{ID: 3, Name: "Old", Status: "resolved", Components: map[string]string{"cdn": "major_outage"}},
		{ID: 8, Name: "Draft", Status: "investigating", Draft: true, Components: map[string]string{"cdn": "major_outage"}},
	}
	ms := []store.Maintenance{
		{ID: 4, Name: "DB upgrade", Status: "in_progress", ComponentIDs: []string{"db", "web", "search"}},
		{ID: 5, Name: "Later", Status: "scheduled", ComponentIDs: []string{"mail", "queue"}},
		{ID: 6, Name: "Checking", Status: "verifying", ComponentIDs: []string{"queue"}},
		{ID: 7, Name: "Done", Status: "completed", ComponentIDs: []string{"cdn"}},
	}
	got := Compute(incs, ms)
	want := state.Overrides{
		// The worse of two incidents.
		"api": {Level: status.Down, Source: state.SourceIncident, Ref: "incident 1: API errors"},
		// An incident worse than maintenance wins, and the probes stay masked.
		"db": {Level: status.Partial, Source: state.SourceIncident, Ref: "incident 1: API errors", MaskProbes: true},
		// Maintenance outranks a degraded incident.
		"web":    {Level: status.Maintenance, Source: state.SourceMaintenance, Ref: "maintenance 4: DB upgrade", MaskProbes: true},
		"search": {Level: status.Maintenance, Source: state.SourceMaintenance, Ref: "maintenance 4: DB upgrade", MaskProbes: true},
		"queue":  {Level: status.Maintenance, Source: state.SourceMaintenance, Ref: "maintenance 6: Checking", MaskProbes: true},
		// A scheduled window does not touch it yet.
		"mail": {Level: status.Partial, Source: state.SourceIncident, Ref: "incident 2: Slow API"},
		// cdn: operational from an open incident, a resolved incident, an
		// unpublished draft and a completed window say nothing.
	}
	if len(got) != len(want) {
		t.Errorf("got %d overrides %+v, want %d", len(got), got, len(want))
	}
	for slug, w := range want {
		if got[slug] != w {
			t.Errorf("%s = %+v, want %+v", slug, got[slug], w)
		}
	}
}
