package ingest

import (
	"context"
	"fmt"
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

// TestLateResultAfterRecovery: after a crash the restart closes every
// subject with no data at the last result's end, T. A result that started
// before T and arrives late (an agent's spool resends it) must not be
// recorded before that close, and the next crash's recovery must close
// the subject it opened.
func TestLateResultAfterRecovery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ampel.db")
	// run starts a process on the database: it recovers what the last one
	// left open and returns its ingest and writer.
	run := func() (*Ingest, *store.Writer, int) {
		st := openStore(t, path)
		w := st.StartWriter(store.WriterOptions{})
		in := New(state.New(fleet()), w, nil)
		n, err := in.Recover(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		return in, w, n
	}
	crash := func(w *store.Writer) {
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	in, w, _ := run()
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: t0, Duration: time.Second, Outcome: status.Up})
	crash(w)

	in, w, n := run()
	if n != 3 {
		t.Fatalf("first recovery closed %d subjects, want 3", n)
	}
	closedAt := t0.Add(time.Second)
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: closedAt.Add(-7 * time.Millisecond), Duration: time.Second, Outcome: status.Up})
	crash(w)

	_, w, n = run()
	defer crash(w)
	if n != 3 {
		t.Errorf("recovery after the late result closed %d subjects, want 3 (zone, check, component)", n)
	}
	st := openStore(t, path)
	for _, k := range []status.Kind{status.CheckZone, status.Check, status.Component} {
		subject := "api-health"
		if k == status.Component {
			subject = "api"
		}
		changes, err := st.Changes(ctx, k, subject, t0.Add(-time.Hour), t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, c := range changes {
			got = append(got, fmt.Sprintf("%s>%s@%s", c.From, c.To, c.At.Sub(t0)))
			if i > 0 && c.From != changes[i-1].To {
				t.Errorf("%s %s: change %d starts from %s, the one before ended at %s", k, subject, i, c.From, changes[i-1].To)
			}
		}
		want := "no_data>up@0s up>no_data@1s no_data>up@1s up>no_data@1.993s"
		if strings.Join(got, " ") != want {
			t.Errorf("%s %s: timeline %q, want %q", k, subject, strings.Join(got, " "), want)
		}
	}
}

// TestRecoverClosesLegacyLateChanges: a database where an older release
// stored a late result's change before the restart's close still has that
// subject closed by the next recovery, after every recorded change.
func TestRecoverClosesLegacyLateChanges(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "ampel.db"))
	w := st.StartWriter(store.WriterOptions{})
	closedAt, late := t0.Add(time.Second), t0.Add(time.Second-7*time.Millisecond)
	var legacy []status.Change
	for _, s := range []status.Change{{Kind: status.CheckZone, Subject: "api-health", Zone: "local"}, {Kind: status.Check, Subject: "api-health"}, {Kind: status.Component, Subject: "api"}} {
		at := func(t time.Time, from, to status.Level) status.Change {
			c := s
			c.At, c.From, c.To = t, from, to
			return c
		}
		legacy = append(legacy, at(t0, status.NoData, status.Up), at(closedAt, status.Up, status.NoData), at(late, status.NoData, status.Up))
	}
	w.Write([]status.Result{{Check: "api-health", Zone: "local", Start: late, Duration: time.Second, Outcome: status.Up}}, legacy)
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	in := New(state.New(fleet()), w, nil)
	n, err := in.Recover(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("recovery closed %d subjects, want 3", n)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := timeline(t, st), "no_data>up@0s no_data>up@993ms up>no_data@1s up>no_data@1.993s"; got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
}
