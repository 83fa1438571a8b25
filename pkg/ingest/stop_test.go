package ingest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// A clean stop whose closing changes cannot be stored in time (a
// 100,000-check fleet closes 201,000 subjects; here the database refuses
// them) still stops cleanly: it stored when observation ended first, and
// the next start closes every subject at that instant with the stop's
// cause, the same history as a stop that stored them.
func TestStopClosesAtNextStartWhenCut(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ampel.db")
	st := openStore(t, path)
	w := st.StartWriter(store.WriterOptions{})
	in := New(state.New(fleet()), w, nil)
	in.Handle(status.Result{Check: "api-health", Zone: "local", Start: t0, Duration: time.Second, Outcome: status.Up})
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const refuse = `CREATE TRIGGER refuse_close BEFORE INSERT ON state_changes WHEN NEW.cause = 'Ampel stopped'
BEGIN SELECT RAISE(ABORT, 'too slow'); END`
	if _, err := db.Exec(refuse); err != nil {
		t.Fatal(err)
	}

	in.Stop(t0.Add(time.Hour))
	deadline, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := w.Close(deadline); err != nil {
		t.Fatalf("close after the stop: %v", err)
	}
	if got, want := timeline(t, st), "no_data>up@0s"; got != want {
		t.Fatalf("timeline %q, want %q: the closes were refused", got, want)
	}
	if _, err := db.Exec(`DROP TRIGGER refuse_close`); err != nil {
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
	if got, want := timeline(t, st), "no_data>up@0s up>no_data@1h0m0s"; got != want {
		t.Fatalf("after the next start %q, want %q: closed when the stop ended observation", got, want)
	}
	latest, err := st.LatestChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range latest {
		if c.To != status.NoData || c.Cause != state.CauseStopped || !c.At.Equal(t0.Add(time.Hour)) {
			t.Errorf("latest change %+v, want the stop's close at 1h", c)
		}
	}
	if n, _ := in.Recover(ctx, st); n != 0 {
		t.Errorf("a second recovery closed %d more", n)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
