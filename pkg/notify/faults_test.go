package notify

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/store"
)

// outboxRow reads the delivery state of the one row of a subscriber.
func (f *fixture) outboxRow(t *testing.T, sub int64) (attempts int, next time.Time, sent, failed bool, lastErr string) {
	t.Helper()
	var nextMS int64
	err := f.db.QueryRow(`SELECT attempts, next_attempt_at_ms, sent_at_ms IS NOT NULL, failed_at_ms IS NOT NULL, last_error
FROM outbox WHERE subscriber_id = ?1`, sub).Scan(&attempts, &nextMS, &sent, &failed, &lastErr)
	if err != nil {
		t.Fatal(err)
	}
	return attempts, time.UnixMilli(nextMS).UTC(), sent, failed, lastErr
}

// Test5xxBouncesOneAddress: a permanent refusal of one recipient fails
// that row and marks the subscriber bounced; the others are delivered
// over the same connection.
func Test5xxBouncesOneAddress(t *testing.T) {
	f := newFixture(t)
	clk := &clock{now: t0}
	f.subscriber(t, "a@example.org", "en")
	gone := f.subscriber(t, "gone@example.org", "en")
	f.subscriber(t, "c@example.org", "en")
	f.srv.Reject("gone@example.org", 550)
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), options(clk))
	f.incident(t, "Outage", t0)
	if n, err := d.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("sent %d, %v", n, err)
	}
	if got := f.srv.Messages(); len(got) != 2 || f.srv.Sessions() != 1 {
		t.Fatalf("%d mails over %d sessions", len(got), f.srv.Sessions())
	}
	if _, _, sent, failed, lastErr := f.outboxRow(t, gone); sent || !failed || lastErr == "" {
		t.Errorf("refused row: sent %v failed %v error %q", sent, failed, lastErr)
	}
	s, err := f.st.Subscriber(context.Background(), gone)
	if err != nil || s.State != store.SubscriberBounced || s.BounceReason == "" {
		t.Fatalf("subscriber %+v, %v", s, err)
	}
	// The bounced address gets nothing more.
	f.incident(t, "Another", t0)
	if n, err := d.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("after the bounce sent %d, %v", n, err)
	}
}

// Test4xxRetriesWithBackoff: a deferred mail is retried after a delay
// that doubles per attempt (±20 % jitter), on the injected clock, and is
// given up after RetryFor; other mails go on.
func Test4xxRetriesWithBackoff(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	busy := f.subscriber(t, "busy@example.org", "en")
	f.subscriber(t, "ok@example.org", "en")
	f.srv.Reject("busy@example.org", 451)
	opt := options(clk)
	opt.RetryBase, opt.RetryMax, opt.RetryFor = time.Minute, time.Hour, 24*time.Hour
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), opt)
	f.incident(t, "Outage", t0)

	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("sent %d, %v", n, err)
	}
	for i, base := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		attempts, next, sent, failed, _ := f.outboxRow(t, busy)
		wait := next.Sub(clk.Now())
		if attempts != i+1 || sent || failed || wait < base*8/10 || wait > base*12/10 {
			t.Fatalf("after attempt %d: attempts %d, next in %v (want %v ±20%%), sent %v, failed %v", i+1, attempts, wait, base, sent, failed)
		}
		// Not due yet: nothing happens.
		if n, err := d.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("early pass sent %d, %v", n, err)
		}
		if a, _, _, _, _ := f.outboxRow(t, busy); a != attempts {
			t.Fatalf("an early pass tried again")
		}
		clk.Advance(wait)
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The server takes it now.
	f.srv.Reject("busy@example.org", 0)
	clk.Advance(time.Hour)
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("retry sent %d, %v", n, err)
	}
	if _, _, sent, _, _ := f.outboxRow(t, busy); !sent {
		t.Fatal("not marked sent")
	}

	// A mail deferred for longer than RetryFor is given up, not bounced.
	f.srv.Reject("busy@example.org", 451)
	f.incident(t, "Second", clk.Now())
	for range 40 {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
	var failed, bounced bool
	if err := f.db.QueryRow(`SELECT o.failed_at_ms IS NOT NULL, s.bounced_at_ms IS NOT NULL FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
WHERE o.subscriber_id = ?1 AND o.sent_at_ms IS NULL`, busy).Scan(&failed, &bounced); err != nil {
		t.Fatal(err)
	}
	if !failed || bounced {
		t.Fatalf("after 40h of 451: failed %v, bounced %v", failed, bounced)
	}
}

// TestStallTimesOutAndRetries: a server that stops answering times the
// send out; sending pauses (backoff on the clock), and resumes once the
// server answers, without a duplicate.
func TestStallTimesOutAndRetries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	sub := f.subscriber(t, "a@example.org", "en")
	opt := options(clk)
	opt.PauseBase = 10 * time.Second
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 300*time.Millisecond), opt)
	f.srv.Stall(true)
	f.incident(t, "Outage", t0)
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("stalled pass sent %d, %v", n, err)
	}
	if attempts, _, sent, _, lastErr := f.outboxRow(t, sub); sent || attempts != 0 || lastErr == "" {
		t.Fatalf("after the stall: sent %v attempts %d error %q", sent, attempts, lastErr)
	}
	f.srv.Stall(false)
	// Paused: the server is left alone until the backoff passed.
	if n, _ := d.RunOnce(ctx); n != 0 {
		t.Fatal("sent while paused")
	}
	clk.Advance(15 * time.Second)
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("after the pause sent %d, %v", n, err)
	}
	if got := f.srv.Messages(); len(got) != 1 {
		t.Fatalf("%d mails accepted, want 1", len(got))
	}
}

// TestServerDownThenUp: with the server refusing connections, Run keeps
// the mails; when the server comes up on its address, every mail is
// delivered once. Real time, short backoffs; the test waits on the
// server's mailbox, never on a sleep.
func TestServerDownThenUp(t *testing.T) {
	f := newFixture(t)
	addr := f.srv.Addr()
	sender := f.smtpSender(t, "plain", smtptest.Password, 2*time.Second)
	f.srv.Close()
	for i := range 5 {
		f.subscriber(t, "s"+itoa(int64(i))+"@example.org", "en")
	}
	opt := options(&clock{})
	opt.Now, opt.PauseBase, opt.PauseMax, opt.Poll = time.Now, 20*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond
	d := New(f.st, sender, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	f.incident(t, "Outage", time.Now())

	// Wait until a connection was refused (recorded on a row).
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int
		if err := f.db.QueryRow(`SELECT count(*) FROM outbox WHERE last_error != ''`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no refused connection recorded")
		}
		<-tick.C
	}
	srv, err := smtptest.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got := srv.Wait(5, 20*time.Second)
	if len(got) != 5 {
		t.Fatalf("%d of 5 mails after the server came up", len(got))
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m.To[0]] {
			t.Errorf("%s got the mail twice", m.To[0])
		}
		seen[m.To[0]] = true
	}
}

// TestWithoutSMTPWritesEml: without a server, mails land as .eml files
// named by their Message-ID; sending a row again (as after a crash)
// replaces its file instead of adding one.
func TestWithoutSMTPWritesEml(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	f.subscriber(t, "a@example.org", "en")
	dir, err := mailer.NewDir(filepath.Join(t.TempDir(), "outbox-mail"))
	if err != nil {
		t.Fatal(err)
	}
	d := New(f.st, dir, options(clk))
	inc := f.incident(t, "Outage", t0)
	for range 2 {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Exec(`UPDATE outbox SET sent_at_ms = NULL`); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(dir.Path())
	want := "ampel." + f.install(t) + ".incident." + itoa(inc.ID) + ".s1@example.com.eml"
	if len(files) != 1 || files[0].Name() != want {
		t.Fatalf("files %v, want [%s]", files, want)
	}
	raw, _ := os.ReadFile(filepath.Join(dir.Path(), want))
	if p := parse(t, raw); p.subject != "[Example Status] New incident: Outage" {
		t.Fatalf("subject %q", p.subject)
	}
}

// TestMessageIDsPerInstall: two installs sending from one domain never
// repeat each other's Message-IDs (receivers would drop the second as a
// duplicate), while one install keeps its ids across restarts, so a row
// sent again is still one message.
func TestMessageIDsPerInstall(t *testing.T) {
	ctx := context.Background()
	ids := func(f *fixture) string {
		t.Helper()
		clk := &clock{now: t0}
		dir, err := mailer.NewDir(filepath.Join(t.TempDir(), "mail"))
		if err != nil {
			t.Fatal(err)
		}
		// A fresh dispatcher each time: a restart reads the id again.
		if _, err := New(f.st, dir, options(clk)).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		files, _ := os.ReadDir(dir.Path())
		if len(files) != 1 {
			t.Fatalf("%d mails, want 1", len(files))
		}
		return files[0].Name()
	}
	a, b := newFixture(t), newFixture(t)
	for _, f := range []*fixture{a, b} {
		f.subscriber(t, "a@example.org", "en")
		f.incident(t, "Outage", t0)
	}
	first := ids(a)
	if other := ids(b); other == first {
		t.Errorf("two installs, one Message-ID: %s", first)
	}
	if _, err := a.db.Exec(`UPDATE outbox SET sent_at_ms = NULL`); err != nil {
		t.Fatal(err)
	}
	if again := ids(a); again != first {
		t.Errorf("sent again after a restart as %s, first as %s", again, first)
	}
}
