package maintclock

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

var t0 = time.Date(2026, 11, 3, 22, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var operator = store.Actor{Kind: store.ActorUser, ID: 1, Name: "ops@example.com"}

// window schedules a window from t0+from to t0+until.
func window(t *testing.T, st *store.Store, name string, from, until time.Duration, autoStart, autoComplete bool) store.Maintenance {
	t.Helper()
	m, err := st.CreateMaintenance(context.Background(), store.Maintenance{
		Name: name, Status: "scheduled", ScheduledFor: t0.Add(from), ScheduledUntil: t0.Add(until),
		ComponentIDs: []string{"db"}, AutoStart: autoStart, AutoComplete: autoComplete,
	}, store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", Author: operator.Name, At: t0.Add(-time.Hour)}, operator, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tick(t *testing.T, st *store.Store, now time.Time) []Move {
	t.Helper()
	moves, err := Tick(context.Background(), st, now)
	if err != nil {
		t.Fatal(err)
	}
	return moves
}

func get(t *testing.T, st *store.Store, id int64) store.Maintenance {
	t.Helper()
	m, err := st.Maintenance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantUpdate checks the last update of a window.
func wantUpdate(t *testing.T, m store.Maintenance, status, body string, at, created time.Time, notify bool) {
	t.Helper()
	u := m.Updates[len(m.Updates)-1]
	if u.Status != status || u.Body != body || !u.At.Equal(at) || !u.Created.Equal(created) || u.DeliverNotifications != notify || u.Author != Author {
		t.Errorf("last update %+v, want %s %q at %s written %s notify %v by %s", u, status, body, at, created, notify, Author)
	}
}

func TestStartThenComplete(t *testing.T) {
	st := openStore(t)
	m := window(t, st, "DB upgrade", 0, time.Hour, true, true)

	if moves := tick(t, st, t0.Add(-time.Second)); len(moves) != 0 {
		t.Fatalf("before the start: moves %+v", moves)
	}
	at := t0.Add(4 * time.Second) // the tick after the start
	moves := tick(t, st, at)
	if len(moves) != 1 || moves[0] != (Move{ID: m.ID, Name: "DB upgrade", From: "scheduled", To: "in_progress"}) {
		t.Fatalf("at the start: moves %+v", moves)
	}
	got := get(t, st, m.ID)
	if got.Status != "in_progress" || len(got.Updates) != 2 || got.Revision != 1 {
		t.Fatalf("after start: %s with %d updates, revision %d", got.Status, len(got.Updates), got.Revision)
	}
	wantUpdate(t, got, "in_progress", StartedBody, t0, at, true)

	// Idempotent: the same time again, and a later time before the end.
	if moves := tick(t, st, at); len(moves) != 0 {
		t.Errorf("second tick at the same time moved %+v", moves)
	}
	if moves := tick(t, st, t0.Add(30*time.Minute)); len(moves) != 0 {
		t.Errorf("mid-window tick moved %+v", moves)
	}

	end := t0.Add(time.Hour)
	moves = tick(t, st, end)
	if len(moves) != 1 || moves[0].From != "in_progress" || moves[0].To != "completed" {
		t.Fatalf("at the end: moves %+v", moves)
	}
	got = get(t, st, m.ID)
	if got.Status != "completed" || len(got.Updates) != 3 {
		t.Fatalf("after end: %s with %d updates", got.Status, len(got.Updates))
	}
	wantUpdate(t, got, "completed", CompletedBody, end, end, true)
	if moves := tick(t, st, end.Add(time.Hour)); len(moves) != 0 {
		t.Errorf("a completed window moved again: %+v", moves)
	}

	// Both moves are in the audit log, as the scheduler.
	log, err := st.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		if e.Actor == Actor {
			actions = append(actions, e.Action)
		}
	}
	if len(actions) != 2 || actions[0] != "maintenance.auto_start" || actions[1] != "maintenance.auto_complete" {
		t.Errorf("scheduler audit actions %v", actions)
	}
}

func TestFlagsOff(t *testing.T) {
	st := openStore(t)
	manual := window(t, st, "Manual", 0, time.Hour, false, false)
	startOnly := window(t, st, "Start only", 0, time.Hour, true, false)
	endOnly := window(t, st, "End only", 0, time.Hour, false, true)

	moves := tick(t, st, t0.Add(2*time.Hour))
	if len(moves) != 1 || moves[0].ID != startOnly.ID || moves[0].To != "in_progress" {
		t.Fatalf("moves %+v, want only %q started", moves, startOnly.Name)
	}
	if s := get(t, st, manual.ID).Status; s != "scheduled" {
		t.Errorf("manual window is %s, want scheduled", s)
	}
	if s := get(t, st, startOnly.ID).Status; s != "in_progress" {
		t.Errorf("start-only window is %s after its end, want in_progress (an operator completes it)", s)
	}
	// Never started, so never completed by the clock either.
	if s := get(t, st, endOnly.ID).Status; s != "scheduled" {
		t.Errorf("end-only window is %s, want scheduled", s)
	}

	// An operator starts the end-only window: the clock completes it,
	// also from verifying.
	if _, err := st.EditMaintenance(context.Background(), endOnly.ID, operator, "maintenance.update", t0.Add(2*time.Hour),
		func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
			m.Status = "verifying"
			return &store.MaintenanceUpdate{Status: "verifying", Body: "Checking.", Author: operator.Name, At: t0.Add(2 * time.Hour)}, nil
		}); err != nil {
		t.Fatal(err)
	}
	moves = tick(t, st, t0.Add(2*time.Hour+time.Second))
	if len(moves) != 1 || moves[0].ID != endOnly.ID || moves[0].From != "verifying" || moves[0].To != "completed" {
		t.Errorf("moves %+v, want the verifying window completed", moves)
	}
}

// TestWindowMissedWhileDown: Ampel was down for the whole window; the
// first tick after it completes the window with both updates back-dated,
// notifying only of the completion.
func TestWindowMissedWhileDown(t *testing.T) {
	st := openStore(t)
	m := window(t, st, "Night work", 0, time.Hour, true, true)
	now := t0.Add(5 * time.Hour)
	moves := tick(t, st, now)
	if len(moves) != 2 || moves[0].To != "in_progress" || moves[1].From != "in_progress" || moves[1].To != "completed" {
		t.Fatalf("moves %+v, want started then completed", moves)
	}
	got := get(t, st, m.ID)
	if got.Status != "completed" || len(got.Updates) != 3 {
		t.Fatalf("%s with %d updates, want completed with 3", got.Status, len(got.Updates))
	}
	start := got.Updates[1]
	if start.Status != "in_progress" || !start.At.Equal(t0) || !start.Created.Equal(now) || start.DeliverNotifications {
		t.Errorf("start update %+v, want in_progress at %s written %s without notification", start, t0, now)
	}
	wantUpdate(t, got, "completed", CompletedBody, t0.Add(time.Hour), now, true)
	if moves := tick(t, st, now); len(moves) != 0 {
		t.Errorf("second tick moved %+v", moves)
	}
}

// TestOperatorChangeWins: a window rescheduled or cancelled by an
// operator is moved by its new schedule, or not at all.
func TestOperatorChangeWins(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	later := window(t, st, "Rescheduled", 0, time.Hour, true, true)
	cancelled := window(t, st, "Cancelled", 0, time.Hour, true, true)
	if _, err := st.EditMaintenance(ctx, later.ID, operator, "maintenance.patch", t0.Add(-time.Minute),
		func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
			m.ScheduledFor, m.ScheduledUntil = t0.Add(24*time.Hour), t0.Add(25*time.Hour)
			return nil, nil
		}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EditMaintenance(ctx, cancelled.ID, operator, "maintenance.update", t0.Add(-time.Minute),
		func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
			m.Status = "cancelled"
			return &store.MaintenanceUpdate{Status: "cancelled", Body: "Not tonight.", Author: operator.Name, At: t0.Add(-time.Minute)}, nil
		}); err != nil {
		t.Fatal(err)
	}
	if moves := tick(t, st, t0.Add(time.Minute)); len(moves) != 0 {
		t.Errorf("moves %+v, want none", moves)
	}
	if moves := tick(t, st, t0.Add(24*time.Hour)); len(moves) != 1 || moves[0].ID != later.ID {
		t.Errorf("moves %+v, want the rescheduled window started at its new time", moves)
	}
	if s := get(t, st, cancelled.ID).Status; s != "cancelled" {
		t.Errorf("cancelled window is %s", s)
	}
}
