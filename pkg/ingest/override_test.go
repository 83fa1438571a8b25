package ingest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestOverrideReachesTheStoreAndObserver opens and resolves an incident
// over an up component: both moves are committed with the incident's
// cause and shown to the observer.
func TestOverrideReachesTheStoreAndObserver(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "ampel.db"))
	w := st.StartWriter(store.WriterOptions{})
	var seen []status.Change
	in := New(state.New(fleet()), w, func(_ status.Result, ch []status.Change) { seen = append(seen, ch...) })
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: t0, Outcome: status.Up})
	const ref = "incident 7: API errors"
	in.Override(state.Overrides{"api": {Level: status.Down, Source: state.SourceIncident, Ref: ref}}, t0.Add(time.Minute))
	if ch := in.Override(state.Overrides{"api": {Level: status.Down, Source: state.SourceIncident, Ref: ref}}, t0.Add(90*time.Second)); len(ch) != 0 {
		t.Errorf("the same overrides again changed %v", ch)
	}
	in.Override(nil, t0.Add(2*time.Minute))
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := timeline(t, st), "no_data>up@0s up>down@1m0s down>up@2m0s"; got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	changes, err := st.Changes(ctx, status.Component, "api", t0.Add(30*time.Second), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Cause != ref || changes[1].Cause != "all checks up" {
		t.Errorf("stored changes %+v, want the incident's cause then the probes'", changes)
	}
	// Three from the result (zone, check, component), two overrides.
	if len(seen) != 5 || seen[3].Cause != ref {
		t.Errorf("observer saw %+v, want 5 changes, the 4th with the incident's cause", seen)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
