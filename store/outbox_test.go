package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// addSubscriber inserts a subscriber in the given state; comps empty
// means all components.
func addSubscriber(t *testing.T, s *Store, email, state string, comps ...string) int64 {
	t.Helper()
	var confirmed, unsub, bounced any
	switch state {
	case "confirmed":
		confirmed = ms(t0)
	case "unsubscribed":
		confirmed, unsub = ms(t0), ms(t0)
	case "bounced":
		confirmed, bounced = ms(t0), ms(t0)
	}
	var id int64
	err := s.wdb.QueryRow(`INSERT INTO subscribers (email, all_components, created_at_ms, confirmed_at_ms, unsubscribed_at_ms, bounced_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id`, email, len(comps) == 0, ms(t0), confirmed, unsub, bounced).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comps {
		execWriter(t, s, `INSERT INTO subscriber_components (subscriber_id, component) VALUES (?1, ?2)`, id, c)
	}
	return id
}

// outboxRows lists "event_key kind email" for every row.
func outboxRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.rdb.Query(`SELECT o.event_key, o.kind, s.email FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id ORDER BY o.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, kind, e string
		if err := rows.Scan(&k, &kind, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+" "+kind+" "+e)
	}
	return out
}

func TestIncidentEnqueuesForAffectedSubscribers(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	addSubscriber(t, s, "all@x.test", "confirmed")
	addSubscriber(t, s, "api@x.test", "confirmed", "api")
	addSubscriber(t, s, "web@x.test", "confirmed", "web")
	addSubscriber(t, s, "pending@x.test", "pending")
	addSubscriber(t, s, "gone@x.test", "unsubscribed")
	addSubscriber(t, s, "bounced@x.test", "bounced")

	comps := map[string]string{"api": "major_outage"}
	inc, err := s.CreateIncident(ctx, Incident{Name: "API down", Status: "investigating", Impact: "critical", Components: comps, Started: t0},
		IncidentUpdate{Status: "investigating", Body: "Looking", DeliverNotifications: true, At: t0}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.OutboxWake():
	default:
		t.Error("no wake-up after enqueue")
	}
	edit := func(deliver bool, status string) {
		t.Helper()
		if _, err := s.EditIncident(ctx, inc.ID, tokenActor, "incident.update", t0, func(i *Incident) (*IncidentUpdate, error) {
			i.Status = status
			if status == "resolved" {
				i.Resolved = t0
			}
			return &IncidentUpdate{Status: status, Body: "more", DeliverNotifications: deliver, At: t0}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	edit(false, "identified") // quiet update: nothing
	edit(true, "monitoring")
	edit(true, "resolved")
	// The postmortem goes out once, however often it is edited.
	for range 2 {
		if _, err := s.EditIncident(ctx, inc.ID, tokenActor, "incident.postmortem", t0, func(i *Incident) (*IncidentUpdate, error) {
			i.Postmortem, i.PostmortemAt = "What happened", time.Now()
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	got := outboxRows(t, s)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	u := inc.Updates[0].ID
	want := []string{
		"incident:" + id(inc.ID) + ":created incident.created all@x.test",
		"incident:" + id(inc.ID) + ":created incident.created api@x.test",
		"incident:" + id(inc.ID) + ":update:" + id(u+2) + " incident.update all@x.test",
		"incident:" + id(inc.ID) + ":update:" + id(u+2) + " incident.update api@x.test",
		"incident:" + id(inc.ID) + ":update:" + id(u+3) + " incident.resolved all@x.test",
		"incident:" + id(inc.ID) + ":update:" + id(u+3) + " incident.resolved api@x.test",
		"incident:" + id(inc.ID) + ":postmortem incident.postmortem all@x.test",
		"incident:" + id(inc.ID) + ":postmortem incident.postmortem api@x.test",
	}
	if !slices.Equal(got, want) {
		t.Errorf("outbox\n got %q\nwant %q", got, want)
	}
}

func TestDraftIncidentMailsWhenPublished(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	addSubscriber(t, s, "all@x.test", "confirmed")
	inc, err := s.CreateIncident(ctx, Incident{Name: "Draft", Status: "investigating", Impact: "none", Draft: true, Started: t0},
		IncidentUpdate{Status: "investigating", Body: "b", DeliverNotifications: true, At: t0}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := outboxRows(t, s); len(got) != 0 {
		t.Fatalf("draft mailed: %q", got)
	}
	if _, err := s.EditIncident(ctx, inc.ID, tokenActor, "incident.publish", t0, func(i *Incident) (*IncidentUpdate, error) {
		i.Draft = false
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := outboxRows(t, s); len(got) != 1 || !strings.Contains(got[0], ":created incident.created all@x.test") {
		t.Fatalf("after publishing: %q", got)
	}
}

func TestMaintenanceEventsAndReminders(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	addSubscriber(t, s, "all@x.test", "confirmed")
	addSubscriber(t, s, "db@x.test", "confirmed", "db")
	addSubscriber(t, s, "web@x.test", "confirmed", "web")
	start := t0.Add(48 * time.Hour)
	m, err := s.CreateMaintenance(ctx, Maintenance{Name: "DB upgrade", Status: "scheduled", ScheduledFor: start,
		ScheduledUntil: start.Add(time.Hour), ComponentIDs: []string{"db"}},
		MaintenanceUpdate{Status: "scheduled", Body: "b", DeliverNotifications: true, At: t0}, tokenActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	mid := strconv.FormatInt(m.ID, 10)
	// Moved by a day without an update: rescheduled, since it was announced.
	start = start.Add(24 * time.Hour)
	m, err = s.EditMaintenance(ctx, m.ID, tokenActor, "maintenance.patch", t0, func(m *Maintenance) (*MaintenanceUpdate, error) {
		m.ScheduledFor, m.ScheduledUntil = start, start.Add(time.Hour)
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Reminders: not yet, then once within the lead time, however often asked.
	for _, at := range []time.Time{start.Add(-2 * time.Hour), start.Add(-30 * time.Minute), start.Add(-20 * time.Minute)} {
		if _, err := s.EnqueueReminders(ctx, time.Hour, at); err != nil {
			t.Fatal(err)
		}
	}
	move := func(status string) {
		t.Helper()
		if _, err := s.EditMaintenance(ctx, m.ID, tokenActor, "maintenance.update", start, func(m *Maintenance) (*MaintenanceUpdate, error) {
			m.Status = status
			return &MaintenanceUpdate{Status: status, Body: "b", DeliverNotifications: true, At: start}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	move("in_progress")
	move("completed")
	var kinds []string
	for _, r := range outboxRows(t, s) {
		kinds = append(kinds, strings.SplitN(r, " ", 2)[1])
		if !strings.HasPrefix(r, "maintenance:"+mid+":") {
			t.Errorf("row %q of another event", r)
		}
	}
	want := []string{
		"maintenance.scheduled all@x.test", "maintenance.scheduled db@x.test",
		"maintenance.rescheduled all@x.test", "maintenance.rescheduled db@x.test",
		"maintenance.reminder all@x.test", "maintenance.reminder db@x.test",
		"maintenance.started all@x.test", "maintenance.started db@x.test",
		"maintenance.completed all@x.test", "maintenance.completed db@x.test",
	}
	if !slices.Equal(kinds, want) {
		t.Errorf("outbox\n got %q\nwant %q", kinds, want)
	}
}

func TestDueMailRetryFailBounce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := addSubscriber(t, s, "a@x.test", "confirmed")
	addSubscriber(t, s, "b@x.test", "confirmed")
	if _, err := s.CreateIncident(ctx, Incident{Name: "X", Status: "investigating", Impact: "none", Started: t0},
		IncidentUpdate{Status: "investigating", DeliverNotifications: true, At: t0}, tokenActor, t0); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueMail(ctx, t0, 10)
	if err != nil || len(due) != 2 || !due[0].Active || due[0].Email != "a@x.test" || due[0].Lang != "en" {
		t.Fatalf("due %+v, %v", due, err)
	}
	if err := s.MarkMailSent(ctx, due[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryMail(ctx, due[1].ID, t0.Add(time.Minute), "451 try later"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueMail(ctx, t0, 10); len(due) != 0 {
		t.Fatalf("due after sent and retry: %+v", due)
	}
	if next, err := s.NextMailAt(ctx); err != nil || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("next %v, %v", next, err)
	}
	due, _ = s.DueMail(ctx, t0.Add(time.Minute), 10)
	if len(due) != 1 || due[0].Attempts != 1 {
		t.Fatalf("retry due %+v", due)
	}
	if err := s.FailMail(ctx, due[0].ID, "550 no such user", true, t0); err != nil {
		t.Fatal(err)
	}
	var bounced int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM subscribers WHERE bounced_at_ms IS NOT NULL AND bounce_reason = '550 no such user'`).Scan(&bounced); err != nil || bounced != 1 {
		t.Fatalf("bounced %d, %v", bounced, err)
	}
	// A token minted for a mail resolves by its hash.
	if err := s.AddSubscriberTokens(ctx, []SubscriberToken{{SubscriberID: a, Purpose: PurposeManage, Secret: "sekrit", Expires: t0.Add(time.Hour)}}, t0); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM subscriber_tokens WHERE hash = ?1 AND subscriber_id = ?2`, HashToken("sekrit"), a).Scan(&n); err != nil || n != 1 {
		t.Fatalf("token rows %d, %v", n, err)
	}
}

func TestPendingAndPruneOutbox(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	addSubscriber(t, s, "a@x.test", "confirmed")
	addSubscriber(t, s, "b@x.test", "confirmed")
	if _, err := s.CreateIncident(ctx, Incident{Name: "X", Status: "investigating", Impact: "none", Started: t0},
		IncidentUpdate{Status: "investigating", DeliverNotifications: true, At: t0}, tokenActor, t0); err != nil {
		t.Fatal(err)
	}
	due, _ := s.DueMail(ctx, t0, 10)
	if err := s.MarkMailSent(ctx, due[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PendingMail(ctx); err != nil || n != 1 {
		t.Fatalf("pending %d, %v", n, err)
	}
	if n, err := s.PruneOutbox(ctx, t0); err != nil || n != 0 {
		t.Fatalf("pruned %d before the send, %v", n, err)
	}
	if n, err := s.PruneOutbox(ctx, t0.Add(time.Millisecond)); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if n, _ := s.PendingMail(ctx); n != 1 {
		t.Fatalf("pending %d after pruning, want the unsent row kept", n)
	}
}
