package state

import (
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// zonesFleet is one component "api" with "api-health" probed every 10s
// from zones a, b and c, flipping on the first failure.
func zonesFleet() *config.Config {
	return &config.Config{Components: []config.Component{{Slug: "api", Name: "API", Checks: []config.Check{
		{Name: "api-health", Zones: []string{"a", "b", "c"}, Interval: config.Duration(10 * time.Second), FailuresToDown: 1, SuccessesToUp: 1},
	}}}}
}

func zoneView(e *Engine, zone string) Zone {
	c, _ := e.Component("api")
	for _, z := range c.Checks[0].Zones {
		if z.Zone == zone {
			return z
		}
	}
	return Zone{}
}

func TestStaleZoneNeverCountsAsDown(t *testing.T) {
	e := New(zonesFleet())
	for _, z := range []string{"a", "b", "c"} {
		e.Apply(result("api-health", z, 0, status.Up, ""))
	}
	if z := zoneView(e, "c"); !z.Fresh || z.Stale {
		t.Fatalf("c after a result: %+v", z)
	}
	// Within three intervals nothing goes stale.
	if ch := e.Tick(t0.Add(30 * time.Second)); len(ch) != 0 {
		t.Fatalf("tick within three intervals: %s", summary(ch))
	}
	// a and b keep reporting, a now failing; c goes silent.
	e.Apply(result("api-health", "a", 20, status.Down, "HTTP 503"))
	e.Apply(result("api-health", "b", 20, status.Up, ""))
	ch := e.Tick(t0.Add(31 * time.Second))
	if got := summary(ch); got != "check_zone api-health@c up>no_data" {
		t.Fatalf("c goes stale: %s", got)
	}
	if !strings.HasPrefix(ch[0].Cause, "stale: no results from zone c since ") || !ch[0].At.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("stale change %+v", ch[0])
	}
	if z := zoneView(e, "c"); z.Fresh || !z.Stale || z.Level != status.NoData {
		t.Fatalf("c stale view: %+v", z)
	}
	// a down among the fresh a, b: one of two is below the majority (2).
	c, _ := e.Component("api")
	if c.Level != status.Partial || !strings.Contains(c.Checks[0].Cause, "down in a (1 of 2 zones)") {
		t.Fatalf("with c stale: %s %q", c.Level, c.Checks[0].Cause)
	}
	// A stale zone that fails is not counted either: b fails too, the
	// quorum of the two fresh zones is met: down.
	e.Apply(result("api-health", "b", 30, status.Down, "HTTP 503"))
	if c, _ := e.Component("api"); c.Level != status.Down {
		t.Fatalf("a and b down: %s", c.Level)
	}
	// c comes back: fresh again, counts again.
	e.Apply(result("api-health", "c", 40, status.Up, ""))
	if z := zoneView(e, "c"); !z.Fresh || z.Stale || z.Level != status.Up {
		t.Fatalf("c back: %+v", z)
	}
}

func TestEveryZoneStaleIsNoData(t *testing.T) {
	e := New(zonesFleet())
	for _, z := range []string{"a", "b", "c"} {
		e.Apply(result("api-health", z, 0, status.Down, "HTTP 503"))
	}
	if c, _ := e.Component("api"); c.Level != status.Down {
		t.Fatalf("all down: %s", c.Level)
	}
	ch := e.Tick(t0.Add(time.Minute))
	if got := summary(ch); !strings.HasSuffix(got, "check api-health down>no_data; component api down>no_data") {
		t.Fatalf("all stale: %s", got)
	}
	c, _ := e.Component("api")
	if c.Level != status.NoData || c.Checks[0].Cause != "no data: no zone has sent fresh results" {
		t.Fatalf("all stale: %s %q", c.Level, c.Checks[0].Cause)
	}
	// Ticking again changes nothing.
	if ch := e.Tick(t0.Add(2 * time.Minute)); len(ch) != 0 {
		t.Fatalf("second tick: %s", summary(ch))
	}
}

func TestOldResultsDoNotRewriteThePast(t *testing.T) {
	cfg := zonesFleet()
	cfg.Components[0].Checks[0].FailuresToDown = 2
	e := New(cfg)
	e.Apply(result("api-health", "a", 100, status.Up, ""))
	// Older than the newest result of its zone: stored by the caller,
	// never applied.
	if ch := e.Apply(result("api-health", "a", 50, status.Down, "HTTP 503")); len(ch) != 0 {
		t.Fatalf("out-of-order result changed state: %s", summary(ch))
	}
	// The newest result sent again (an agent's retry after a lost
	// answer) is not counted twice.
	e.Apply(result("api-health", "a", 110, status.Down, "HTTP 503"))
	if ch := e.Apply(result("api-health", "a", 110, status.Down, "HTTP 503")); len(ch) != 0 {
		t.Fatalf("a resent result changed state: %s", summary(ch))
	}
	if z := zoneView(e, "a"); z.Level != status.Up {
		t.Fatalf("one failure, sent twice, with failures_to_down 2: %s", z.Level)
	}
	// A backlog already stale on arrival (an agent behind a cut network,
	// or a clock running behind) does not move the state.
	e.Tick(t0.Add(200 * time.Second))
	if ch := e.Apply(result("api-health", "b", 120, status.Down, "HTTP 503")); len(ch) != 0 {
		t.Fatalf("stale backlog changed state: %s", summary(ch))
	}
	if ch := e.Apply(result("api-health", "b", 190, status.Up, "")); summary(ch) == "" {
		t.Fatal("a fresh result was not applied")
	}
	// Changes never go back before a subject's last change.
	c, _ := e.Component("api")
	if c.Since.Before(t0.Add(100 * time.Second)) {
		t.Fatalf("component since %v before its earlier change", c.Since)
	}
}

func TestPodResultsAreShownNotApplied(t *testing.T) {
	e := New(zonesFleet())
	pod := func(id string, sec int, o status.Level) status.Result {
		r := result("api-health", "a", sec, o, "")
		r.Instance = id
		return r
	}
	for _, id := range []string{"p1", "p2", "p3", "p4"} {
		if ch := e.Apply(pod(id, 0, status.Down)); len(ch) != 0 {
			t.Fatalf("a pod's result changed state: %s", summary(ch))
		}
	}
	e.Apply(result("api-health", "a", 0, status.Degraded, "3/4 pods healthy"))
	z := zoneView(e, "a")
	if z.Level != status.Degraded || len(z.Pods) != 4 {
		t.Fatalf("zone with pods: %s %+v", z.Level, z.Pods)
	}
	// p4 left discovery: the next run probes p1-p3 only.
	for _, id := range []string{"p1", "p2", "p3"} {
		e.Apply(pod(id, 10, status.Up))
	}
	e.Apply(result("api-health", "a", 10, status.Up, ""))
	z = zoneView(e, "a")
	if len(z.Pods) != 3 || z.Pods[2].Instance != "p3" || z.Pods[2].Outcome != status.Up {
		t.Fatalf("after p4 retired: %+v", z.Pods)
	}
}

// TestLocalFailureIsNoData: a probe Ampel could not run (no_data: out of
// descriptors, overloaded) is no evidence about the target. It counts
// toward no threshold, and a zone that only has such results goes stale
// (no data) after three intervals, never down.
func TestLocalFailureIsNoData(t *testing.T) {
	e := New(fleet("a"))
	e.Apply(result("api-health", "a", 0, status.Up, ""))
	notProbed := func(sec int) status.Result {
		return result("api-health", "a", sec, status.NoData, "not probed: Ampel is out of file descriptors")
	}
	for sec := 30; sec <= 150; sec += 30 {
		if ch := e.Apply(notProbed(sec)); len(ch) != 0 {
			t.Fatalf("not probed at %ds moved the state: %s", sec, summary(ch))
		}
	}
	// One real failure, a local one between, another real failure: two
	// consecutive failures of the target, so down.
	e.Apply(result("api-health", "a", 180, status.Down, "HTTP 503"))
	e.Apply(notProbed(210))
	if got := summary(e.Apply(result("api-health", "a", 240, status.Down, "HTTP 503"))); !strings.Contains(got, "component api up>down") {
		t.Fatalf("two failures around a local one: %q", got)
	}

	e = New(zonesFleet())
	e.Apply(result("api-health", "a", 0, status.Up, ""))
	for sec := 10; sec <= 40; sec += 10 {
		e.Apply(result("api-health", "a", sec, status.NoData, "not probed: Ampel is out of file descriptors"))
	}
	if got := summary(e.Tick(t0.Add(31 * time.Second))); !strings.Contains(got, "check_zone api-health@a up>no_data") || strings.Contains(got, "down") {
		t.Fatalf("a zone that cannot probe for three intervals: %q, want it stale", got)
	}
}

// TestFewFreshZonesCapTheComponent: with two of three zones stale, one
// zone's failure is unconfirmed (issue 15): the component shows at most
// on_down_few_zones (partial_outage), as it would with all three fresh,
// until enough zones report again to reach the quorum.
func TestFewFreshZonesCapTheComponent(t *testing.T) {
	cut := func(cfg *config.Config) *Engine {
		e := New(cfg)
		for _, z := range []string{"a", "b", "c"} {
			e.Apply(result("api-health", z, 0, status.Up, ""))
		}
		// Only c keeps reporting; a and b go stale.
		e.Apply(result("api-health", "c", 20, status.Up, ""))
		e.Tick(t0.Add(31 * time.Second))
		if za, zb := zoneView(e, "a"), zoneView(e, "b"); !za.Stale || !zb.Stale {
			t.Fatalf("a, b not stale: %+v %+v", za, zb)
		}
		e.Apply(result("api-health", "c", 32, status.Down, "HTTP 503"))
		return e
	}
	e := cut(zonesFleet())
	c, _ := e.Component("api")
	if c.Level != status.Partial || c.Checks[0].Level != status.Partial {
		t.Fatalf("down in the only fresh zone: component %s, check %s (%q), want partial", c.Level, c.Checks[0].Level, c.Checks[0].Cause)
	}
	if want := "down in c (1 of 1 zones; 1 of 3 zones reporting): HTTP 503"; c.Checks[0].Cause != want {
		t.Errorf("check cause %q, want %q", c.Checks[0].Cause, want)
	}
	// a reports again and fails too: two of three, the quorum: down.
	e.Apply(result("api-health", "a", 33, status.Down, "HTTP 503"))
	if c, _ := e.Component("api"); c.Level != status.Down {
		t.Fatalf("a and c down, b stale: %s (%q)", c.Level, c.Checks[0].Cause)
	}

	// The operator may let one zone decide, never beyond on_down.
	cfg := zonesFleet()
	cfg.Components[0].Checks[0].OnDownFewZones = "major_outage"
	if c, _ := cut(cfg).Component("api"); c.Level != status.Down {
		t.Fatalf("on_down_few_zones major_outage: %s", c.Level)
	}
	cfg = zonesFleet()
	cfg.Components[0].Checks[0].OnDownFewZones, cfg.Components[0].Checks[0].OnDown = "major_outage", "degraded_performance"
	if c, _ := cut(cfg).Component("api"); c.Level != status.Degraded {
		t.Fatalf("on_down degraded_performance: %s", c.Level)
	}
	// An explicit quorum of 1 trusts a single zone: down.
	cfg = zonesFleet()
	cfg.Components[0].Checks[0].Quorum = 1
	if c, _ := cut(cfg).Component("api"); c.Level != status.Down {
		t.Fatalf("quorum 1: %s", c.Level)
	}
}
