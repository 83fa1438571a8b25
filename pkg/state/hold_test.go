package state

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// TestHoldLastsWhileResultsArrive: after a takeover, a zone that reports
// but needs more results than fit in the hold before its thresholds give
// a verdict (a remote zone whose agent's results come late) shows its
// level before the gap, not no data; a zone that stays silent does go to
// no data once the hold is over.
func TestHoldLastsWhileResultsArrive(t *testing.T) {
	cfg := &config.Config{Components: []config.Component{{Slug: "api", Name: "API", Checks: []config.Check{
		{Name: "api-health", Zones: []string{"a"}, Interval: config.Duration(10 * time.Second), FailuresToDown: 1, SuccessesToUp: 6},
	}}}}
	latest := []status.Change{
		{Kind: status.CheckZone, Subject: "api-health", Zone: "a", At: t0, To: status.Up},
		{Kind: status.Check, Subject: "api-health", At: t0, To: status.Up},
		{Kind: status.Component, Subject: "api", At: t0, To: status.Up},
	}
	recovered := append(latest, CloseOpen(latest, t0.Add(time.Second), CauseNotRunning)...)
	takeover := t0.Add(2 * time.Second)
	level := func(e *Engine) status.Level {
		c, _ := e.Component("api")
		return c.Level
	}

	reporting := New(cfg)
	reporting.Restart(recovered, takeover)
	for sec := 10; sec <= 60; sec += 10 { // five results: one short of a verdict
		reporting.Apply(result("api-health", "a", sec, status.Up, ""))
		reporting.Tick(t0.Add(time.Duration(sec+5) * time.Second))
		if got := level(reporting); got != status.Up {
			t.Fatalf("%d s after the gap, with results arriving: %s, want the held up", sec, got)
		}
	}
	reporting.Apply(result("api-health", "a", 70, status.Up, ""))
	if c, _ := reporting.Component("api"); c.Level != status.Up || c.Cause == CauseNotRunning {
		t.Fatalf("after its own verdict: %s %q", c.Level, c.Cause)
	}

	silent := New(cfg)
	silent.Restart(recovered, takeover)
	silent.Tick(takeover.Add(30*time.Second + takeoverGrace + time.Second))
	if got := level(silent); got != status.NoData {
		t.Fatalf("a silent zone after the hold: %s, want no_data", got)
	}
}
