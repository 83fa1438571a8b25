package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// alertWriter starts a writer whose router sends every component change
// to channel "ops": firing on down and partial, with delay and repeat.
func alertWriter(t *testing.T, s *Store, delay, repeat time.Duration, resolved bool) *Writer {
	t.Helper()
	return s.StartWriter(WriterOptions{Alerts: func(c status.Change) []AlertRoute {
		if c.Kind != status.Component || c.To == status.NoData {
			return nil
		}
		firing := c.To == status.Down || c.To == status.Partial
		return []AlertRoute{{Channel: "ops", Firing: firing, Delay: delay, Repeat: repeat, Resolved: resolved}}
	}})
}

func writeChange(t *testing.T, w *Writer, from, to status.Level, at time.Time) status.Change {
	t.Helper()
	c := status.Change{Kind: status.Component, Subject: "api", At: at, From: from, To: to, Cause: "check api-health " + to.String()}
	w.Write(nil, []status.Change{c})
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// alertRows lists "kind to state" of every row, oldest first.
func alertRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.rdb.Query(`SELECT kind, to_level, seq, CASE
	WHEN cancelled_at_ms IS NOT NULL THEN 'cancelled' WHEN sent_at_ms IS NOT NULL THEN 'sent'
	WHEN failed_at_ms IS NOT NULL THEN 'failed' ELSE 'pending' END FROM alert_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, to, state string
		var seq int
		if err := rows.Scan(&kind, &to, &seq, &state); err != nil {
			t.Fatal(err)
		}
		s := kind + " " + to + " " + state
		if seq > 0 {
			s += " repeat"
		}
		out = append(out, s)
	}
	return out
}

func deliver(t *testing.T, s *Store, now time.Time) []Alert {
	t.Helper()
	ctx := context.Background()
	due, err := s.DueAlerts(ctx, now, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range due {
		ids = append(ids, a.ID)
	}
	if err := s.StartAlerts(ctx, ids, now); err != nil {
		t.Fatal(err)
	}
	att := &AlertAttempt{Channel: "ops", At: now, Alerts: len(ids), Outcome: "delivered", Status: 202, Latency: 3 * time.Millisecond}
	if err := s.FinishAlerts(ctx, ids, att, "delivered", time.Time{}, "", now); err != nil {
		t.Fatal(err)
	}
	return due
}

// TestAlertQueuedWithChange: the writer's transaction that stores a
// change queues its alert with a stable id, due after the delay, and
// wakes the dispatcher; storing the same change again queues nothing.
func TestAlertQueuedWithChange(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	w := alertWriter(t, s, time.Minute, 0, true)
	c := writeChange(t, w, status.Up, status.Down, t0)
	select {
	case <-s.AlertWake():
	default:
		t.Error("no wake-up after an alert was queued")
	}
	changes, err := s.Changes(ctx, status.Component, "api", t0, t0.Add(time.Second))
	if err != nil || len(changes) != 1 {
		t.Fatalf("changes %v, %v", changes, err)
	}
	if due, err := s.DueAlerts(ctx, t0.Add(59*time.Second), 10); err != nil || len(due) != 0 {
		t.Fatalf("due before the delay: %v, %v", due, err)
	}
	next, err := s.NextAlertAt(ctx)
	if err != nil || !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("next alert at %v, %v; want %v", next, err, t0.Add(time.Minute))
	}
	due, err := s.DueAlerts(ctx, t0.Add(time.Minute), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due: %v, %v", due, err)
	}
	a := due[0]
	if a.Channel != "ops" || a.Subject != "component:api" || a.Kind != AlertTrigger || a.From != status.Up || a.To != status.Down ||
		!a.At.Equal(t0) || a.Cause != c.Cause || a.EventID != changeEventID(c) || len(a.EventID) < 10 {
		t.Errorf("alert = %+v", a)
	}
	writeChange(t, w, status.Up, status.Down, t0) // the same change again
	if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down pending"}) {
		t.Errorf("rows after a replay = %q", got)
	}
}

// TestAlertFlapWithinDelay: a change that ends the problem before the
// delay cancels the alert, and no resolved notice follows what was never
// sent.
func TestAlertFlapWithinDelay(t *testing.T) {
	s := openTest(t)
	w := alertWriter(t, s, time.Minute, 0, true)
	writeChange(t, w, status.Up, status.Down, t0)
	writeChange(t, w, status.Down, status.Up, t0.Add(20*time.Second))
	if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down cancelled"}) {
		t.Errorf("rows = %q", got)
	}
	if n, err := s.PendingAlerts(context.Background()); err != nil || n != 0 {
		t.Errorf("pending = %d, %v", n, err)
	}
}

// TestAlertLifecycle: trigger, a move within the alerting levels that
// keeps the start's due time, delivery, repeats while it lasts, the
// resolve that stops them; without resolved notices the end is recorded
// but not sent.
func TestAlertLifecycle(t *testing.T) {
	ctx := context.Background()
	t.Run("resolved", func(t *testing.T) {
		s := openTest(t)
		w := alertWriter(t, s, time.Minute, time.Hour, true)
		writeChange(t, w, status.Up, status.Down, t0)
		writeChange(t, w, status.Down, status.Partial, t0.Add(30*time.Second))
		due, err := s.DueAlerts(ctx, t0.Add(time.Minute), 10)
		if err != nil || len(due) != 1 || due[0].To != status.Partial {
			t.Fatalf("due at the first change's delay: %+v, %v", due, err)
		}
		deliver(t, s, t0.Add(time.Minute))
		if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down cancelled", "trigger partial sent", "trigger partial pending repeat"}) {
			t.Fatalf("rows = %q", got)
		}
		rep, err := s.DueAlerts(ctx, t0.Add(time.Minute+time.Hour), 10)
		if err != nil || len(rep) != 1 || rep[0].Seq != 1 || rep[0].EventID != due[0].EventID {
			t.Fatalf("repeat = %+v, %v", rep, err)
		}
		writeChange(t, w, status.Partial, status.Up, t0.Add(10*time.Minute))
		if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down cancelled", "trigger partial sent", "trigger partial cancelled repeat", "resolve up pending"}) {
			t.Fatalf("rows after recovery = %q", got)
		}
		res := deliver(t, s, t0.Add(11*time.Minute))
		if len(res) != 1 || res[0].Kind != AlertResolve || !res[0].Due.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("resolve = %+v", res)
		}
		// The next outage opens a new alert.
		writeChange(t, w, status.Up, status.Down, t0.Add(20*time.Minute))
		writeChange(t, w, status.Down, status.Up, t0.Add(20*time.Minute+10*time.Second))
		if got := alertRows(t, s); got[len(got)-1] != "trigger down cancelled" {
			t.Errorf("a flap after a resolve: rows = %q", got)
		}
		atts, err := s.AlertAttempts(ctx, "ops", 10)
		if err != nil || len(atts) != 2 || atts[0].Status != 202 || atts[0].Latency != 3*time.Millisecond || !atts[0].At.Equal(t0.Add(11*time.Minute)) {
			t.Errorf("attempts = %+v, %v", atts, err)
		}
	})
	t.Run("no resolved notice", func(t *testing.T) {
		s := openTest(t)
		w := alertWriter(t, s, 0, time.Hour, false)
		writeChange(t, w, status.Up, status.Down, t0)
		deliver(t, s, t0)
		writeChange(t, w, status.Down, status.Up, t0.Add(time.Minute))
		if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down sent", "trigger down cancelled repeat", "resolve up cancelled"}) {
			t.Errorf("rows = %q", got)
		}
	})
}

// TestAlertTriedThenRecovered: a trigger that was tried (its delivery may
// have arrived) and is waiting for a retry when the problem ends is
// cancelled, and the resolve goes out, so no receiver keeps an alert open.
func TestAlertTriedThenRecovered(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	w := alertWriter(t, s, 0, 0, true)
	writeChange(t, w, status.Up, status.Down, t0)
	due, err := s.DueAlerts(ctx, t0, 10)
	if err != nil || len(due) != 1 {
		t.Fatal(due, err)
	}
	if err := s.StartAlerts(ctx, []int64{due[0].ID}, t0); err != nil {
		t.Fatal(err)
	}
	att := &AlertAttempt{Channel: "ops", At: t0, Alerts: 1, Outcome: "retry", Error: "timeout"}
	if err := s.FinishAlerts(ctx, []int64{due[0].ID}, att, "retry", t0.Add(time.Minute), "timeout", t0); err != nil {
		t.Fatal(err)
	}
	writeChange(t, w, status.Down, status.Up, t0.Add(30*time.Second))
	if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down cancelled", "resolve up pending"}) {
		t.Errorf("rows = %q", got)
	}
}

// TestAlertFailAndTest: a refused alert fails for good and its end sends
// nothing; a test alert is
// queued due now and wakes the dispatcher; pruning keeps each subject's
// newest row.
func TestAlertFailAndTest(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	w := alertWriter(t, s, 0, 0, true)
	writeChange(t, w, status.Up, status.Down, t0)
	due, _ := s.DueAlerts(ctx, t0, 10)
	if err := s.StartAlerts(ctx, []int64{due[0].ID}, t0); err != nil {
		t.Fatal(err)
	}
	att := &AlertAttempt{Channel: "ops", At: t0, Alerts: 1, Outcome: "failed", Status: 404, Error: "receiver answered 404"}
	if err := s.FinishAlerts(ctx, []int64{due[0].ID}, att, "failed", time.Time{}, "receiver answered 404", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueTestAlert(ctx, "ops", "test_1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.AlertWake():
	default:
		t.Error("no wake-up after a test alert")
	}
	due, err := s.DueAlerts(ctx, t0.Add(time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Kind != AlertTest || due[0].EventID != "test_1" {
		t.Fatalf("due = %+v, %v", due, err)
	}
	deliver(t, s, t0.Add(time.Hour))
	// The receiver refused the trigger: no resolve follows it.
	writeChange(t, w, status.Down, status.Up, t0.Add(2*time.Hour))
	writeChange(t, w, status.Up, status.Down, t0.Add(3*time.Hour))
	if got := alertRows(t, s); !slices.Equal(got, []string{"trigger down failed", "test down sent", "trigger down pending"}) {
		t.Fatalf("rows = %q", got)
	}
	// Rows are queued at the wall clock's time.
	if err := s.PruneAlerts(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := alertRows(t, s); !slices.Equal(got, []string{"test down sent", "trigger down pending"}) {
		t.Errorf("rows after pruning = %q, want each subject's newest", got)
	}
	if atts, _ := s.AlertAttempts(ctx, "ops", 10); len(atts) != 0 {
		t.Errorf("attempts older than the cut survived: %+v", atts)
	}
}

func TestSplitAlertSubject(t *testing.T) {
	for _, c := range []status.Change{
		{Kind: status.Component, Subject: "api"},
		{Kind: status.Check, Subject: "api-health"},
		{Kind: status.CheckZone, Subject: "api-health", Zone: "eu-1"},
	} {
		k, subj, zone, err := SplitAlertSubject(AlertSubject(c))
		if err != nil || k != c.Kind || subj != c.Subject || zone != c.Zone {
			t.Errorf("%+v: got %v %q %q %v", c, k, subj, zone, err)
		}
	}
	if _, _, _, err := SplitAlertSubject("api"); err == nil {
		t.Error("a subject without a kind was accepted")
	}
}

// TestSilences: a silence runs until its time, a new one replaces it, an
// end in the past lifts it; each is audited.
func TestSilences(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if err := s.SilenceComponent(ctx, "api", t0.Add(time.Hour), tokenActor, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SilenceComponent(ctx, "web", t0.Add(time.Minute), tokenActor, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Silences(ctx, t0.Add(30*time.Minute))
	if err != nil || len(got) != 1 || !got["api"].Until.Equal(t0.Add(time.Hour)) || got["api"].By != tokenActor.Name {
		t.Fatalf("silences = %+v, %v", got, err)
	}
	if err := s.SilenceComponent(ctx, "api", t0, tokenActor, t0.Add(31*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Silences(ctx, t0.Add(32*time.Minute)); err != nil || len(got) != 0 {
		t.Fatalf("after lifting: %+v, %v", got, err)
	}
	log, err := s.AuditLog(ctx, 0, 10)
	if err != nil || len(log) != 3 || log[0].Action != "alerts.silence" || log[2].Action != "alerts.unsilence" {
		t.Errorf("audit = %+v, %v", log, err)
	}
}

// TestOperatorAlert: a problem of Ampel's own goes to every channel
// named, and its end only where the start went out.
func TestOperatorAlert(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if q, err := s.EnqueueOperatorAlert(ctx, []string{"ops"}, "backups", "snapshot failed: disk full", false, t0); err != nil || q {
		t.Fatalf("an end with no start queued %v, %v", q, err)
	}
	if q, err := s.EnqueueOperatorAlert(ctx, []string{"ops"}, "backups", "snapshot failed: disk full", true, t0); err != nil || !q {
		t.Fatalf("start: %v, %v", q, err)
	}
	deliver(t, s, t0)
	if q, err := s.EnqueueOperatorAlert(ctx, []string{"ops"}, "backups", "snapshots work again", false, t0.Add(time.Hour)); err != nil || !q {
		t.Fatalf("end: %v, %v", q, err)
	}
	due, err := s.DueAlerts(ctx, t0.Add(time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Kind != AlertResolve || due[0].Subject != "event:backups" || due[0].Cause != "snapshots work again" {
		t.Fatalf("due = %+v, %v", due, err)
	}
	if k, key, _, err := SplitAlertSubject(due[0].Subject); err != nil || k != 0 || key != "backups" {
		t.Errorf("split: %v %q %v", k, key, err)
	}
}
