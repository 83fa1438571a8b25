package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/store"
)

// TestStopFinishesTheMailInFlight: ending Run's context while a mail is
// on the wire lets the server's answer arrive and be recorded; nothing
// after it is started.
func TestStopFinishesTheMailInFlight(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		f.subscriber(t, "s"+itoa(int64(i))+"@example.org", "en")
	}
	f.srv.Delay(300 * time.Millisecond)
	opt := options(&clock{})
	opt.Now = time.Now
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), opt)
	f.incident(t, "Outage", time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for f.srv.Receiving() == 0 { // poll the server until a mail is on the wire
		if time.Now().After(deadline) {
			t.Fatal("no mail in flight")
		}
		<-tick.C
	}
	cancel()
	<-done
	var sent, pending int
	if err := f.db.QueryRow(`SELECT count(sent_at_ms), count(*) - count(sent_at_ms) FROM outbox`).Scan(&sent, &pending); err != nil {
		t.Fatal(err)
	}
	if got := len(f.srv.Messages()); got != 1 || sent != 1 || pending != 2 || f.srv.Receiving() != 1 {
		t.Fatalf("after the stop: %d accepted, %d marked sent, %d pending, %d begun; want 1, 1, 2, 1", got, sent, pending, f.srv.Receiving())
	}
}

// TestReminderBeforeWindow: the dispatcher's clock enqueues and sends
// the reminder once the window is within the lead time, once.
func TestReminderBeforeWindow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	f.subscriber(t, "a@example.org", "en")
	opt := options(clk)
	opt.ReminderLead = time.Hour
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), opt)
	start := t0.Add(3 * time.Hour)
	if _, err := f.st.CreateMaintenance(ctx, store.Maintenance{Name: "DB upgrade", Status: "scheduled",
		ScheduledFor: start, ScheduledUntil: start.Add(time.Hour), Description: "Short **read-only** phase."},
		store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", DeliverNotifications: true, At: t0},
		store.Actor{Kind: store.ActorToken, ID: 1, Name: "ops"}, t0); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 1}, {time.Hour, 0}, {61 * time.Minute, 1}, {time.Minute, 0}} {
		clk.Advance(step.advance)
		if n, err := d.RunOnce(ctx); err != nil || n != step.want {
			t.Fatalf("at %v: sent %d, %v; want %d", clk.Now().Sub(t0), n, err, step.want)
		}
	}
	got := byRecipient(t, f.srv.Messages())["a@example.org"]
	if len(got) != 2 || got[1].subject != "[Example Status] Maintenance starts soon: DB upgrade" ||
		got[1].header.Get("In-Reply-To") != got[0].header.Get("Message-Id") {
		t.Fatalf("mails %+v", got)
	}
	if want := "This maintenance starts at 2026-05-04 13:00 UTC."; !strings.Contains(got[1].text, want) || !strings.Contains(got[1].html, "<strong>read-only</strong>") {
		t.Fatalf("reminder text:\n%s", got[1].text)
	}
}

// TestMaintenanceMailZoneAndLink: a window's mail gives its times in the
// zone it was planned in, with UTC beside them, and links to the window's
// own page; German and Spanish mails say it in their language.
func TestMaintenanceMailZoneAndLink(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	f.subscriber(t, "a@example.org", "en")
	f.subscriber(t, "b@example.org", "de")
	f.subscriber(t, "c@example.org", "es")
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), options(clk))
	start := t0.Add(27 * time.Hour) // 2026-05-05 13:00 UTC
	m, err := f.st.CreateMaintenance(ctx, store.Maintenance{Name: "DB upgrade", Status: "scheduled", TimeZone: "America/New_York",
		ScheduledFor: start, ScheduledUntil: start.Add(time.Hour)},
		store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", DeliverNotifications: true, At: t0},
		store.Actor{Kind: store.ActorToken, ID: 1, Name: "ops"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 3 {
		t.Fatalf("sent %d, %v", n, err)
	}
	got := byRecipient(t, f.srv.Messages())
	link := fmt.Sprintf("%s/maintenance/%d", siteURL, m.ID)
	for addr, want := range map[string]string{
		"a@example.org": "2026-05-05 09:00 EDT to 2026-05-05 10:00 EDT (2026-05-05 13:00 UTC to 2026-05-05 14:00 UTC)",
		"b@example.org": "2026-05-05 09:00 EDT bis 2026-05-05 10:00 EDT (2026-05-05 13:00 UTC bis 2026-05-05 14:00 UTC)",
		"c@example.org": "Cuándo: 2026-05-05 09:00 EDT a 2026-05-05 10:00 EDT (2026-05-05 13:00 UTC a 2026-05-05 14:00 UTC)",
	} {
		if len(got[addr]) != 1 {
			t.Fatalf("%s got %d mails", addr, len(got[addr]))
		}
		text := strings.ReplaceAll(got[addr][0].text, "\r\n", "\n")
		if !strings.Contains(text, want) || !strings.Contains(text, link+"\n") {
			t.Errorf("%s: the mail lacks %q or the link %s:\n%s", addr, want, link, text)
		}
	}
}
