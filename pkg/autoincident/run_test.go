package autoincident

import (
	"context"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// runAuto starts Run on the harness with a fixed clock and returns a
// channel that receives each call of changed, and a stop function.
func runAuto(t *testing.T, h *harness, at time.Time) (<-chan struct{}, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.auto.Run(ctx, time.Hour, func() time.Time { return at }, func(context.Context) { changed <- struct{}{} })
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return changed, stop
}

func waitChanged(t *testing.T, changed <-chan struct{}) {
	t.Helper()
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("automation did not report a change")
	}
}

// TestObserverWakesRun: an outage seen by the ingest observer opens the
// incident without waiting for the periodic pass.
func TestObserverWakesRun(t *testing.T) {
	h := newHarness(t)
	h.probe("api-health", status.Up, "a")
	changed, stop := runAuto(t, h, t0.Add(time.Minute))
	h.auto.Observe(status.Result{}, h.probe("api-health", status.Down, "a"))
	waitChanged(t, changed)
	stop()
	if inc := h.open("api"); inc.Status != "investigating" {
		t.Errorf("incident %+v", inc)
	}
	if len(h.incidents()) != 1 {
		t.Errorf("%d incidents, want 1", len(h.incidents()))
	}
}

// TestFullBufferLosesNothing: Observe never blocks, and what a full
// buffer dropped is caught by the pass over every component.
func TestFullBufferLosesNothing(t *testing.T) {
	h := newHarness(t)
	changes := h.probe("api-health", status.Down, "a")
	done := make(chan struct{})
	go func() {
		for range 4 * wakeBuffer {
			h.auto.Observe(status.Result{}, changes)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Observe blocked with nobody reading")
	}
	changed, stop := runAuto(t, h, t0.Add(time.Minute))
	waitChanged(t, changed)
	stop()
	if n := len(h.incidents()); n != 1 {
		t.Errorf("%d incidents, want 1", n)
	}
}
