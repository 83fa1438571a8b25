package ui

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// TestFeedFoldsABurst: a burst of component changes (every component's
// first verdict after a start, a flapping outage) is folded into a few
// page events instead of one whole-page build per change on the probes'
// workers, and the last event still shows the state the engine ends in.
func TestFeedFoldsABurst(t *testing.T) {
	engine := state.New(siteConfig(t))
	hub := live.New("t", 4096)
	f := NewFeed(engine, hub)
	changed := 0
	at := t0
	for i := range 400 {
		outcome := status.Up
		if i%2 == 1 {
			outcome = status.Down
		}
		for _, zone := range []string{"eu", "us"} {
			at = at.Add(time.Second)
			r := status.Result{Check: "api-health", Zone: zone, Start: at, Outcome: outcome}
			changes := engine.Apply(r)
			for _, ch := range changes {
				if ch.Kind == status.Component {
					changed++
					break
				}
			}
			f.Observe(r, changes)
		}
	}
	if changed < 300 {
		t.Fatalf("the burst changed a component %d times; the test needs hundreds", changed)
	}
	want := live.KeyID(stateEventOf(engine.Summaries(), time.Time{}).key())
	deadline := time.After(10 * time.Second)
	for {
		evs, wake, _ := hub.Since(0)
		if n := len(evs); n > 0 && hub.WireID(evs[n-1]) == want {
			if n > 20 {
				t.Errorf("%d component changes published %d events; a burst should fold into a few", changed, n)
			}
			return
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("after %d component changes the newest of %d events is not the engine's state %s", changed, len(evs), want)
		}
	}
}
