package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func fleet() *config.Config {
	return &config.Config{Components: []config.Component{{
		Slug: "api", Name: "API",
		Checks: []config.Check{{Name: "api-health", Zones: []string{"local"}, FailuresToDown: 1, SuccessesToUp: 1}},
	}}}
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func timeline(t *testing.T, st *store.Store) string {
	t.Helper()
	changes, err := st.Changes(context.Background(), status.Component, "api", t0.Add(-time.Hour), t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.From.String()+">"+c.To.String()+"@"+c.At.Sub(t0).String())
	}
	return strings.Join(parts, " ")
}

// TestResultsAndChangesReachTheStore feeds results through Ingest and
// reads back what was committed; then, as after a crash, a new Ingest on
// the same database closes the open states at the last result's end.
func TestResultsAndChangesReachTheStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ampel.db")
	st := openStore(t, path)
	w := st.StartWriter(store.WriterOptions{})
	var observed int
	in := New(state.New(fleet()), w, func(status.Result, []status.Change) { observed++ })
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: t0, Duration: time.Second, Outcome: status.Up})
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: t0.Add(time.Minute), Duration: 2 * time.Second, Outcome: status.Down, Reason: "HTTP 503"})
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if observed != 2 {
		t.Errorf("observer saw %d results, want 2", observed)
	}
	if got, want := timeline(t, st), "no_data>up@0s up>down@1m0s"; got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	// The process dies here: no Stop. Start again on the same database.
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openStore(t, path)
	w = st.StartWriter(store.WriterOptions{})
	in = New(state.New(fleet()), w, nil)
	n, err := in.Recover(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("recovered %d open subjects, want 3 (zone, check, component)", n)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := timeline(t, st), "no_data>up@0s up>down@1m0s down>no_data@1m2s"; got != want {
		t.Fatalf("after recovery %q, want %q", got, want)
	}
	if n, _ := in.Recover(ctx, st); n != 0 {
		t.Errorf("a second recovery closed %d more", n)
	}

	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: t0.Add(time.Hour), Outcome: status.Up})
	in.Stop(t0.Add(2 * time.Hour))
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := timeline(t, st), "no_data>up@0s up>down@1m0s down>no_data@1m2s no_data>up@1h0m0s up>no_data@2h0m0s"; got != want {
		t.Fatalf("after stop %q, want %q", got, want)
	}
}
