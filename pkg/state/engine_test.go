package state

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fleet is one component "api" with one check "api-health" in the given
// zones, plus a component "web" fed by "web-home" (one zone, a) and an
// informational "web-cdn" that can only degrade it.
func fleet(zones ...string) *config.Config {
	return &config.Config{Components: []config.Component{
		{Slug: "api", Name: "API", Checks: []config.Check{
			{Name: "api-health", Zones: zones, FailuresToDown: 2, SuccessesToUp: 1},
		}},
		{Slug: "web", Name: "Web", Checks: []config.Check{
			{Name: "web-home", Zones: []string{"a"}, FailuresToDown: 1, SuccessesToUp: 2},
			{Name: "web-cdn", Zones: []string{"a"}, FailuresToDown: 1, SuccessesToUp: 1, OnDown: "degraded_performance"},
		}},
	}}
}

func result(check, zone string, sec int, outcome status.Level, reason string) status.Result {
	return status.Result{Check: check, Zone: zone, Start: t0.Add(time.Duration(sec) * time.Second), Outcome: outcome, Reason: reason}
}

// summary renders changes as "kind subject[@zone] from>to" for compact asserts.
func summary(changes []status.Change) string {
	var parts []string
	for _, c := range changes {
		s := c.Kind.String() + " " + c.Subject
		if c.Zone != "" {
			s += "@" + c.Zone
		}
		parts = append(parts, fmt.Sprintf("%s %s>%s", s, c.From, c.To))
	}
	return strings.Join(parts, "; ")
}

func TestThresholds(t *testing.T) {
	e := New(fleet("a"))
	steps := []struct {
		name    string
		r       status.Result
		changes string
	}{
		{"first success is up at once", result("api-health", "a", 0, status.Up, ""),
			"check_zone api-health@a no_data>up; check api-health no_data>up; component api no_data>up"},
		{"one failure is not enough", result("api-health", "a", 30, status.Down, "HTTP 503"), ""},
		{"second failure flips down", result("api-health", "a", 60, status.Down, "HTTP 503"),
			"check_zone api-health@a up>down; check api-health up>down; component api up>down"},
		{"third failure changes nothing", result("api-health", "a", 90, status.Down, "HTTP 503"), ""},
		{"one success recovers", result("api-health", "a", 120, status.Up, ""),
			"check_zone api-health@a down>up; check api-health down>up; component api down>up"},
		{"a failure after recovery starts a new count", result("api-health", "a", 150, status.Down, "timeout after 5s"), ""},
		{"success resets the count", result("api-health", "a", 180, status.Up, ""), ""},
		{"single failure again is not enough", result("api-health", "a", 210, status.Down, "timeout after 5s"), ""},
	}
	for _, s := range steps {
		if got := summary(e.Apply(s.r)); got != s.changes {
			t.Fatalf("%s: changes\n got %q\nwant %q", s.name, got, s.changes)
		}
	}
}

func TestChangeCarriesTimeAndCause(t *testing.T) {
	e := New(fleet("a"))
	e.Apply(result("api-health", "a", 0, status.Up, ""))
	e.Apply(result("api-health", "a", 30, status.Down, "HTTP 503"))
	changes := e.Apply(result("api-health", "a", 60, status.Down, "HTTP 503"))
	if len(changes) != 3 {
		t.Fatalf("got %d changes, want 3", len(changes))
	}
	for _, c := range changes {
		if !c.At.Equal(t0.Add(60 * time.Second)) {
			t.Errorf("%s at %v, want the time of the flipping result", c.Kind, c.At)
		}
	}
	if want := "2 consecutive failures: HTTP 503"; changes[0].Cause != want {
		t.Errorf("zone cause %q, want %q", changes[0].Cause, want)
	}
	if want := "api-health: down in a (1 of 1 zones): HTTP 503"; changes[2].Cause != want {
		t.Errorf("component cause %q, want %q", changes[2].Cause, want)
	}
	comp, _ := e.Component("api")
	if comp.Level != status.Down || comp.Level.Statuspage() != "major_outage" || !comp.Since.Equal(changes[2].At) {
		t.Errorf("component view = %v since %v", comp.Level, comp.Since)
	}
}

func TestQuorumAcrossZones(t *testing.T) {
	e := New(fleet("a", "b", "c"))
	for _, z := range []string{"a", "b", "c"} {
		e.Apply(result("api-health", z, 0, status.Up, ""))
	}
	down := func(zone string, sec int) []status.Change {
		e.Apply(result("api-health", zone, sec, status.Down, "HTTP 500"))
		return e.Apply(result("api-health", zone, sec+1, status.Down, "HTTP 500"))
	}
	if got, want := summary(down("b", 10)), "check_zone api-health@b up>down; check api-health up>partial; component api up>partial"; got != want {
		t.Fatalf("one zone of three down:\n got %q\nwant %q", got, want)
	}
	comp, _ := e.Component("api")
	if comp.Level.Statuspage() != "partial_outage" || !strings.Contains(comp.Cause, "down in b (1 of 3 zones)") {
		t.Errorf("component %s cause %q, want partial_outage naming zone b", comp.Level.Statuspage(), comp.Cause)
	}
	if got, want := summary(down("c", 20)), "check_zone api-health@c up>down; check api-health partial>down; component api partial>down"; got != want {
		t.Fatalf("two zones of three down:\n got %q\nwant %q", got, want)
	}
}

func TestExplicitQuorum(t *testing.T) {
	cfg := fleet("a", "b", "c")
	cfg.Components[0].Checks[0].Quorum = 3
	e := New(cfg)
	for _, z := range []string{"a", "b", "c"} {
		e.Apply(result("api-health", z, 0, status.Up, ""))
	}
	for _, z := range []string{"a", "b"} {
		e.Apply(result("api-health", z, 10, status.Down, "x"))
		e.Apply(result("api-health", z, 11, status.Down, "x"))
	}
	if c, _ := e.Component("api"); c.Level != status.Partial {
		t.Errorf("two of three down with quorum 3: %v, want partial", c.Level)
	}
}

func TestComponentMapping(t *testing.T) {
	e := New(fleet("a"))
	e.Apply(result("web-home", "a", 0, status.Up, ""))
	e.Apply(result("web-home", "a", 1, status.Up, ""))
	e.Apply(result("web-cdn", "a", 0, status.Up, ""))
	changes := e.Apply(result("web-cdn", "a", 10, status.Down, "connection refused"))
	if got, want := summary(changes), "check_zone web-cdn@a up>down; check web-cdn up>down; component web up>degraded"; got != want {
		t.Fatalf("informational check down:\n got %q\nwant %q", got, want)
	}
	changes = e.Apply(result("web-home", "a", 20, status.Down, "HTTP 502"))
	if got, want := summary(changes), "check_zone web-home@a up>down; check web-home up>down; component web degraded>down"; got != want {
		t.Fatalf("main check down:\n got %q\nwant %q", got, want)
	}
	// SuccessesToUp = 2 for web-home.
	if got := summary(e.Apply(result("web-home", "a", 30, status.Up, ""))); got != "" {
		t.Fatalf("one success of two needed changed %q", got)
	}
	if got, want := summary(e.Apply(result("web-home", "a", 40, status.Up, ""))), "check_zone web-home@a down>up; check web-home down>up; component web down>degraded"; got != want {
		t.Fatalf("second success:\n got %q\nwant %q", got, want)
	}
}

func TestDegradedIsNotAnOutage(t *testing.T) {
	e := New(fleet("a"))
	e.Apply(result("api-health", "a", 0, status.Up, ""))
	got := summary(e.Apply(result("api-health", "a", 10, status.Degraded, "slow response 2.5s")))
	if want := "check_zone api-health@a up>degraded; check api-health up>degraded; component api up>degraded"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if c, _ := e.Component("api"); c.Level.Statuspage() != "degraded_performance" {
		t.Errorf("component %s", c.Level.Statuspage())
	}
}

func TestTimesNeverRunBackwards(t *testing.T) {
	e := New(fleet("a"))
	e.Apply(result("web-home", "a", 100, status.Up, ""))
	e.Apply(result("web-home", "a", 101, status.Up, ""))
	// web-cdn's result started earlier but finished later.
	changes := e.Apply(result("web-cdn", "a", 90, status.Down, "x"))
	comp := changes[len(changes)-1]
	if comp.Kind != status.Component || comp.At.Before(t0.Add(101*time.Second)) {
		t.Fatalf("component change at %v, before its previous change", comp.At)
	}
}

func TestUnknownCheckOrZoneIgnored(t *testing.T) {
	e := New(fleet("a"))
	if c := e.Apply(result("nope", "a", 0, status.Down, "")); c != nil {
		t.Errorf("unknown check: %v", c)
	}
	if c := e.Apply(result("api-health", "zz", 0, status.Up, "")); c != nil {
		t.Errorf("unknown zone: %v", c)
	}
}

func TestStopAndCloseOpen(t *testing.T) {
	e := New(fleet("a"))
	e.Apply(result("api-health", "a", 0, status.Up, ""))
	stop := t0.Add(time.Hour)
	changes := e.Stop(stop, "Ampel stopped")
	if got, want := summary(changes), "check_zone api-health@a up>no_data; check api-health up>no_data; component api up>no_data"; got != want {
		t.Fatalf("stop:\n got %q\nwant %q", got, want)
	}
	if again := e.Stop(stop, "x"); len(again) != 0 {
		t.Errorf("second stop changed %d", len(again))
	}

	latest := []status.Change{
		{Kind: status.Component, Subject: "api", At: t0, To: status.Down},
		{Kind: status.Check, Subject: "gone", At: t0.Add(2 * time.Hour), To: status.Up},
		{Kind: status.Component, Subject: "web", At: t0, To: status.NoData},
	}
	closed := CloseOpen(latest, t0.Add(time.Hour), "no data: Ampel was not running")
	if got, want := summary(closed), "component api down>no_data; check gone up>no_data"; got != want {
		t.Fatalf("close open:\n got %q\nwant %q", got, want)
	}
	if !closed[0].At.Equal(t0.Add(time.Hour)) || !closed[1].At.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("close times %v %v", closed[0].At, closed[1].At)
	}
}

func TestComponentsViewOrder(t *testing.T) {
	e := New(fleet("a", "b"))
	e.Apply(result("api-health", "b", 0, status.Up, ""))
	cs := e.Components()
	if len(cs) != 2 || cs[0].Slug != "api" || cs[0].Position != 1 || cs[1].Slug != "web" {
		t.Fatalf("components %+v", cs)
	}
	z := cs[0].Checks[0].Zones
	if len(z) != 2 || z[0].Zone != "a" || z[0].Level != status.NoData || z[1].Level != status.Up {
		t.Fatalf("zones %+v", z)
	}
	if !e.UpdatedAt().Equal(t0) {
		t.Errorf("updated %v", e.UpdatedAt())
	}
}
