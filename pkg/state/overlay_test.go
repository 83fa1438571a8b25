package state

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

var (
	incidentDown = Override{Level: status.Down, Source: SourceIncident, Ref: "incident 12: Elevated API errors"}
	incidentDeg  = Override{Level: status.Degraded, Source: SourceIncident, Ref: "incident 13: Slow API"}
	maintenance  = Override{Level: status.Maintenance, Source: SourceMaintenance, Ref: "maintenance 3: DB upgrade", MaskProbes: true}
)

// upAPI is an engine whose api component is up by its probes at t0+1s.
func upAPI(t *testing.T) *Engine {
	t.Helper()
	e := New(fleet("a"))
	e.Apply(result("api-health", "a", 1, status.Up, ""))
	if c, _ := e.Component("api"); c.Level != status.Up {
		t.Fatalf("api = %s, want up", c.Level)
	}
	return e
}

// wantComponent checks the one component change of changes and the view.
func wantComponent(t *testing.T, e *Engine, changes []status.Change, from, to status.Level, at time.Time, cause string, src Source) {
	t.Helper()
	var got []status.Change
	for _, c := range changes {
		if c.Kind == status.Component && c.Subject == "api" {
			got = append(got, c)
		}
	}
	if len(got) != 1 {
		t.Fatalf("api changes = %s, want one %s>%s", summary(changes), from, to)
	}
	c := got[0]
	if c.From != from || c.To != to || !c.At.Equal(at) || c.Cause != cause {
		t.Errorf("change = %s>%s at %s cause %q, want %s>%s at %s cause %q", c.From, c.To, c.At, c.Cause, from, to, at, cause)
	}
	v, _ := e.Component("api")
	if v.Level != to || v.Source != src || v.Cause != cause || !v.Since.Equal(at) {
		t.Errorf("view = %s from %s (%q) since %s, want %s from %s (%q) since %s", v.Level, v.Source, v.Cause, v.Since, to, src, cause, at)
	}
}

func TestIncidentWorseThanProbesWinsAndResolveReturns(t *testing.T) {
	e := upAPI(t)
	at := t0.Add(10 * time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{"api": incidentDown}, at), status.Up, status.Down, at, incidentDown.Ref, SourceIncident)
	// Probes keep saying up: the incident still rules.
	if ch := e.Apply(result("api-health", "a", 11, status.Up, "")); len(ch) != 0 {
		t.Errorf("an up result during the incident changed %s", summary(ch))
	}
	// Resolved: back to what the probes say, with their cause.
	res := t0.Add(20 * time.Second)
	wantComponent(t, e, e.SetOverrides(nil, res), status.Down, status.Up, res, "all checks up", SourceProbe)
	if c, _ := e.Component("web"); c.Source != SourceProbe {
		t.Errorf("web source = %s, want probe", c.Source)
	}
}

func TestProbesWorseThanIncidentWin(t *testing.T) {
	e := upAPI(t)
	at := t0.Add(10 * time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{"api": incidentDeg}, at), status.Up, status.Degraded, at, incidentDeg.Ref, SourceIncident)
	e.Apply(result("api-health", "a", 11, status.Down, "HTTP 503"))
	ch := e.Apply(result("api-health", "a", 12, status.Down, "HTTP 503"))
	wantComponent(t, e, ch, status.Degraded, status.Down, t0.Add(12*time.Second),
		"api-health: down in a (1 of 1 zones): HTTP 503", SourceProbe)
	// The probes recover: the incident's level shows again.
	ch = e.Apply(result("api-health", "a", 13, status.Up, ""))
	wantComponent(t, e, ch, status.Down, status.Degraded, t0.Add(13*time.Second), incidentDeg.Ref, SourceIncident)
}

func TestMaintenanceMasksProbesButNotWorseIncidents(t *testing.T) {
	e := upAPI(t)
	at := t0.Add(10 * time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{"api": maintenance}, at), status.Up, status.Maintenance, at, maintenance.Ref, SourceMaintenance)
	// The probes fail, as expected during maintenance: no outage shown.
	e.Apply(result("api-health", "a", 11, status.Down, "HTTP 503"))
	if ch := e.Apply(result("api-health", "a", 12, status.Down, "HTTP 503")); len(ch) != 2 || ch[1].Kind != status.Check {
		t.Errorf("down during maintenance = %s, want the zone and check only", summary(ch))
	}
	if c, _ := e.Component("api"); c.Level != status.Maintenance || c.Source != SourceMaintenance {
		t.Errorf("api = %s from %s, want maintenance", c.Level, c.Source)
	}
	// An incident worse than maintenance wins (the caller computes the
	// combined override; the engine shows it as given).
	worse := incidentDown
	worse.MaskProbes = true
	at2 := t0.Add(20 * time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{"api": worse}, at2), status.Maintenance, status.Down, at2, worse.Ref, SourceIncident)
	// The incident is resolved: maintenance again, not the probes' outage.
	at3 := t0.Add(30 * time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{"api": maintenance}, at3), status.Down, status.Maintenance, at3, maintenance.Ref, SourceMaintenance)
	// Maintenance over: the probes' outage shows.
	at4 := t0.Add(40 * time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{}, at4), status.Maintenance, status.Down, at4,
		"api-health: down in a (1 of 1 zones): HTTP 503", SourceProbe)
}

func TestOverridesIgnoreNoDataAndUnknownComponents(t *testing.T) {
	e := upAPI(t)
	ch := e.SetOverrides(Overrides{"api": {Source: SourceIncident, Ref: "incident 1: x"}, "gone": incidentDown}, t0.Add(5*time.Second))
	if len(ch) != 0 {
		t.Errorf("changes = %s, want none", summary(ch))
	}
	if c, _ := e.Component("api"); c.Source != SourceProbe || c.Level != status.Up {
		t.Errorf("api = %s from %s, want up from probe", c.Level, c.Source)
	}
}

func TestOverrideOnComponentWithoutDataAndStop(t *testing.T) {
	e := New(fleet("a"))
	at := t0.Add(time.Second)
	wantComponent(t, e, e.SetOverrides(Overrides{"api": maintenance}, at), status.NoData, status.Maintenance, at, maintenance.Ref, SourceMaintenance)
	stop := t0.Add(2 * time.Second)
	wantComponent(t, e, e.Stop(stop, "Ampel stopped"), status.Maintenance, status.NoData, stop, "Ampel stopped", SourceProbe)
}
