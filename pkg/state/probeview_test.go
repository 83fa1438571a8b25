package state

import (
	"reflect"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestProbeLevelBesideShownLevel: automation must see the probes' own
// verdict while an incident overrides what the component shows, and when
// that verdict began.
func TestProbeLevelBesideShownLevel(t *testing.T) {
	e := upAPI(t)
	e.SetOverrides(Overrides{"api": incidentDown}, t0.Add(5*time.Second))
	c, _ := e.Component("api")
	if c.Level != status.Down || c.ProbeLevel != status.Up || !c.ProbeSince.Equal(t0.Add(time.Second)) || c.ProbeCause != "all checks up" {
		t.Fatalf("view = %s, probes %s since %s (%q); want down, probes up since t0+1s", c.Level, c.ProbeLevel, c.ProbeSince, c.ProbeCause)
	}
	// The probes fail under the incident: the shown level does not move,
	// the probes' level does.
	e.Apply(result("api-health", "a", 11, status.Down, "HTTP 503"))
	e.Apply(result("api-health", "a", 12, status.Down, "HTTP 503"))
	c, _ = e.Component("api")
	if c.Level != status.Down || c.Source != SourceIncident || c.ProbeLevel != status.Down || !c.ProbeSince.Equal(t0.Add(12*time.Second)) {
		t.Errorf("view = %s from %s, probes %s since %s; want down from incident, probes down since t0+12s", c.Level, c.Source, c.ProbeLevel, c.ProbeSince)
	}
	// Another failure keeps the probes' level and its start.
	e.Apply(result("api-health", "a", 13, status.Down, "HTTP 503"))
	if c, _ = e.Component("api"); !c.ProbeSince.Equal(t0.Add(12 * time.Second)) {
		t.Errorf("probe since moved to %s on a repeated failure", c.ProbeSince)
	}
	// Recovery under the incident: still shown down, probes up since then.
	e.Apply(result("api-health", "a", 14, status.Up, ""))
	c, _ = e.Component("api")
	if c.Level != status.Down || c.ProbeLevel != status.Up || !c.ProbeSince.Equal(t0.Add(14*time.Second)) {
		t.Errorf("view = %s, probes %s since %s; want down, probes up since t0+14s", c.Level, c.ProbeLevel, c.ProbeSince)
	}
	// Stopping: no data since the stop.
	stop := t0.Add(20 * time.Second)
	e.Stop(stop, "Ampel stopped")
	if c, _ = e.Component("api"); c.ProbeLevel != status.NoData || !c.ProbeSince.Equal(stop) {
		t.Errorf("after stop probes %s since %s, want no data since %s", c.ProbeLevel, c.ProbeSince, stop)
	}
}

// TestSummariesAreViewsWithoutChecks: what the live feed and automation
// read is the component's own state, exactly as the full view has it.
func TestSummariesAreViewsWithoutChecks(t *testing.T) {
	e := upAPI(t)
	e.SetOverrides(Overrides{"api": incidentDown}, t0.Add(5*time.Second))
	e.Apply(result("api-health", "a", 11, status.Down, "HTTP 503"))
	e.Apply(result("api-health", "a", 12, status.Down, "HTTP 503"))
	full := e.Components()
	sums := e.Summaries()
	if len(sums) != len(full) || len(full) == 0 {
		t.Fatalf("%d summaries, %d components", len(sums), len(full))
	}
	for i := range full {
		if len(full[i].Checks) == 0 {
			t.Fatalf("%s: the full view has no checks", full[i].Slug)
		}
		want := full[i]
		want.Checks = nil
		if !reflect.DeepEqual(sums[i], want) {
			t.Errorf("summary %+v\nwant      %+v", sums[i], want)
		}
		one, ok := e.Summary(want.Slug)
		if !ok || !reflect.DeepEqual(one, want) {
			t.Errorf("Summary(%q) = %+v, %v; want %+v", want.Slug, one, ok, want)
		}
	}
	if _, ok := e.Summary("nope"); ok {
		t.Error("Summary of an unknown component")
	}
}
