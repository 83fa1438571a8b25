package alert

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestWatcherOperatorAlerts: a problem of Ampel's own reaches every
// channel when it starts, once, and its end when it stops; a condition
// fine from the first look sends nothing.
func TestWatcherOperatorAlerts(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(t.TempDir(), "push", "ntfy", rcv.URL), Options{})
	failing := false
	conds := func() []Condition {
		return []Condition{
			{Key: "backups", Check: func() (bool, string) {
				if failing {
					return true, "snapshot failed: disk full"
				}
				return false, "snapshots work"
			}},
			{Key: "zone-eu", Check: func() (bool, string) { return false, "zone eu reports" }},
		}
	}
	w := NewWatcher(f.st, []string{"push"}, conds, f.clock.now, nil)
	ctx := context.Background()
	w.Look(ctx)
	f.pass()
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("%d alerts while all is well", n)
	}
	failing = true
	w.Look(ctx)
	f.clock.add(time.Second)
	w.Look(ctx) // still failing: no second alert
	f.pass()
	failing = false
	f.clock.add(time.Minute)
	w.Look(ctx)
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d alerts, want the start and the end", len(reqs))
	}
	if got := reqs[0].header.Get("Title"); got != "Ampel backups: major outage" || !strings.Contains(reqs[0].body, "disk full") {
		t.Errorf("start: %q %q", got, reqs[0].body)
	}
	if got := reqs[1].header.Get("Title"); got != "Resolved: Ampel backups is operational" {
		t.Errorf("end: %q", got)
	}
}
